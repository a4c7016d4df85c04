using System.CommandLine;
using Osprey.Engine.Imaging;
using Osprey.Training.Data;
using Osprey.Training.Evaluation;
using Osprey.Training.Synthetic;
using Osprey.Training.Synthetic.QuestionFamilies;

namespace Osprey.Cli.Commands;

/// <summary>
/// <c>osprey eval</c>: per-family accuracy and Semantic IoU of greedy answers, and the mask-dependence
/// check (the same questions with the masks moved to other objects). On synthetic scenes it measures
/// what the gateway serves: multi-region conversations held through <c>RegionChat</c> (scored per
/// family and per turn) and single questions (one-turn conversations; descriptions as
/// <c>/describe</c> asks them). <c>--layout per-question</c> instead asks each question in the
/// per-question layout (regions inline at their mention) the default model's first rounds were
/// trained on, as does a mask–text file. Prints tables; <c>--output-json</c> writes the report,
/// <c>--answers</c> every question with its answers (JSON lines); <c>--require</c> exits with
/// <see cref="BelowBarExitCode"/> when a family's accuracy is under its bar.
/// </summary>
public static class EvalCommand
{
    public const int BelowBarExitCode = 3;

    public static Command Create()
    {
        var model = new ModelOptions();
        var data = new Option<string?>("--data") { Description = "Osprey-724K-style JSON file (asked in its inline layout)" };
        var imageFolder = new Option<string?>("--image-folder") { Description = "Folder of the --data images (default: the JSON file's folder)" };
        var synthetic = new Option<int?>("--synthetic") { Description = "Evaluate on N synthetic single questions (and, served, N/4 conversations)" };
        var conversations = new Option<int?>("--conversations") { Description = "Synthetic multi-region conversations to hold (default: a quarter of --synthetic)" };
        var layout = new Option<string>("--layout")
        {
            Description = "served: conversations and single questions as the gateway serves them; " +
                          "per-question: every synthetic question alone with its regions inline at their mention (the first rounds' training layout)",
            DefaultValueFactory = _ => "served",
        };
        var sceneSize = new Option<int>("--scene-size") { Description = "Side of synthetic scenes in pixels", DefaultValueFactory = _ => 128 };
        var seed = new Option<long>("--seed") { Description = "Seed of the synthetic set (use one never used for training)", DefaultValueFactory = _ => 1_000_003 };
        var output = new Option<string?>("--output-json") { Description = "Write the report as JSON here" };
        var answers = new Option<string?>("--answers") { Description = "Write every question with the model's answers here, one JSON object per line" };
        var families = new Option<string?>("--families") { Description = "Synthetic question families to ask, a comma list (default: all)" };
        var require = new Option<string?>("--require")
        {
            Description = $"Accuracy bars, e.g. comparison=0.95 (served: the conversation score, or the single-question one for a family " +
                          $"conversations did not ask): exit code {BelowBarExitCode} when a family is below its bar",
        };
        var threads = ComputeThreads.Create();
        var boxes = new Option<bool>("--regions-as-boxes")
        {
            Description = "Synthetic sets: mark every region by the filled bounding box of its visible pixels, as the web app's box tool does, instead of its mask (the same questions)",
        };
        var maxNewTokens = new Option<int>("--max-new-tokens") { DefaultValueFactory = _ => 16 };
        var command = new Command("eval", "Evaluate a model per question family, with the swapped-mask check")
            { data, imageFolder, synthetic, conversations, layout, sceneSize, seed, families, boxes, output, answers, require, maxNewTokens, threads };
        model.AddTo(command);
        command.SetAction((result, cancellationToken) => CliErrors.Guard(async () =>
        {
            ComputeThreads.Apply(result, threads);
            var bar = result.GetValue(require) is { } bars ? AccuracyBar.Parse(bars) : null;
            if (result.GetValue(families) is not null && result.GetValue(synthetic) is null && result.GetValue(conversations) is null)
                throw new ArgumentException("--families chooses synthetic questions: use it with --synthetic");
            var asBoxes = result.GetValue(boxes);
            if (asBoxes && result.GetValue(data) is not null)
                throw new ArgumentException("--regions-as-boxes marks the regions of synthetic sets; --data brings its own masks");
            bool served = result.GetValue(layout)!.Trim().ToLowerInvariant() switch
            {
                "served" => true,
                "per-question" => false,
                var other => throw new ArgumentException($"--layout: use served or per-question, got '{other}'"),
            };
            var asked = result.GetValue(families) is { } names ? SyntheticDatasetBuilder.FamiliesNamed(names) : null;
            var sceneOptions = new SceneOptions { ImageSize = result.GetValue(sceneSize) };

            await using var reportFile = result.GetValue(output) is { } reportPath ? new PendingReportFile(reportPath) : null;
            await using var log = result.GetValue(answers) is { } logPath ? new StreamWriter(logPath) : null;
            using var serving = model.Serve(result);
            Action<AnsweredQuestion>? write = log is null ? null : a => log.WriteLine(a.ToJsonLine());
            EvaluationReport barReport;
            if (result.GetValue(data) is null && served)
            {
                int singles = result.GetValue(synthetic) ?? 0;
                int held = result.GetValue(conversations) ?? Math.Max(singles / 4, 1);
                if (result.GetValue(synthetic) is null && result.GetValue(conversations) is null)
                    throw new ArgumentException("give --synthetic N and/or --conversations M (or --data FILE)");
                var builder = new SyntheticDatasetBuilder(sceneOptions, families: asked);
                var items = ServedConversationSource.Synthetic(sceneOptions, result.GetValue(seed), held, asked, asBoxes)
                    .Concat(builder.Build(result.GetValue(seed), singles).Select(s => ServedConversationSource.FromSingleQuestion(asBoxes ? s.WithRegionsAsBoxes() : s)));
                int count = held + singles;
                var progress = new Progress<int>(done => { if (done % 25 == 0 || done == count) Console.Error.Write($"\r{done}/{count} conversations and questions"); });
                var report = await new ServedEvaluation(serving, result.GetValue(maxNewTokens)).RunAsync(items, progress, write, cancellationToken);
                Console.Error.WriteLine();
                Console.WriteLine(EvaluationTable.Format(report));
                if (reportFile is not null) await reportFile.CommitAsync(report.ToJson());
                barReport = report.ForBars();
            }
            else
            {
                IEnumerable<EvalSample> samples;
                int count;
                if (result.GetValue(data) is { } dataPath)
                {
                    var records = new RegionDatasetLoader().Load(dataPath, result.GetValue(imageFolder));
                    var decoder = new ImageDecoder();
                    samples = records.Select(r => EvalSampleSource.FromRecord(r, r.LoadImage(decoder)));
                    count = records.Count;
                }
                else if (result.GetValue(synthetic) is { } n)
                {
                    samples = new SyntheticDatasetBuilder(sceneOptions, families: asked).Build(result.GetValue(seed), n)
                        .Select(s => EvalSampleSource.FromSynthetic(asBoxes ? s.WithRegionsAsBoxes() : s));
                    count = n;
                }
                else
                {
                    throw new ArgumentException("give --data FILE or --synthetic N");
                }
                var answerer = new ModelAnswerer(serving, result.GetValue(maxNewTokens));
                var harness = new EvaluationHarness(answerer.AnswerAsync);
                var progress = new Progress<int>(done => { if (done % 25 == 0 || done == count) Console.Error.Write($"\r{done}/{count} questions"); });
                var report = await harness.RunAsync(samples, progress, write, cancellationToken);
                Console.Error.WriteLine();
                Console.WriteLine(EvaluationTable.Format(report));
                if (reportFile is not null) await reportFile.CommitAsync(report.ToJson());
                barReport = report;
            }
            if (bar?.Shortfalls(barReport) is { Count: > 0 } shortfalls)
            {
                foreach (var line in shortfalls) Console.Error.WriteLine($"osprey: below the bar: {line}");
                return BelowBarExitCode;
            }
            return 0;
        }));
        return command;
    }
}
