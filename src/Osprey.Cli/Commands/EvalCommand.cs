using System.CommandLine;
using Osprey.Engine.Imaging;
using Osprey.Training.Data;
using Osprey.Training.Evaluation;
using Osprey.Training.Synthetic;
using Osprey.Training.Synthetic.QuestionFamilies;

namespace Osprey.Cli.Commands;

/// <summary>
/// <c>osprey eval</c>: per-family accuracy and Semantic IoU of greedy short answers, and the
/// mask-dependence check (the same questions with the masks swapped to other objects), on a mask–text
/// file or a held-out synthetic set. Prints a table; <c>--output-json</c> writes the report,
/// <c>--answers</c> every question with its answers (JSON lines);
/// <c>--require</c> exits with <see cref="BelowBarExitCode"/> when a family's accuracy is under its bar.
/// </summary>
public static class EvalCommand
{
    public const int BelowBarExitCode = 3;

    public static Command Create()
    {
        var model = new ModelOptions();
        var data = new Option<string?>("--data") { Description = "Osprey-724K-style JSON file" };
        var imageFolder = new Option<string?>("--image-folder") { Description = "Folder of the --data images (default: the JSON file's folder)" };
        var synthetic = new Option<int?>("--synthetic") { Description = "Evaluate on N synthetic questions" };
        var sceneSize = new Option<int>("--scene-size") { Description = "Side of synthetic scenes in pixels", DefaultValueFactory = _ => 128 };
        var seed = new Option<long>("--seed") { Description = "Seed of the synthetic set (use one never used for training)", DefaultValueFactory = _ => 1_000_003 };
        var output = new Option<string?>("--output-json") { Description = "Write the report as JSON here" };
        var answers = new Option<string?>("--answers") { Description = "Write every question with the model's answers here, one JSON object per line" };
        var families = new Option<string?>("--families") { Description = "Synthetic question families to ask, a comma list (default: all)" };
        var require = new Option<string?>("--require")
        {
            Description = $"Accuracy bars, e.g. comparison=0.95: exit code {BelowBarExitCode} when a family is below its bar",
        };
        var threads = ComputeThreads.Create();
        var maxNewTokens = new Option<int>("--max-new-tokens") { DefaultValueFactory = _ => 16 };
        var command = new Command("eval", "Evaluate a model per question family, with the swapped-mask check")
            { data, imageFolder, synthetic, sceneSize, seed, families, output, answers, require, maxNewTokens, threads };
        model.AddTo(command);
        command.SetAction((result, cancellationToken) => CliErrors.Guard(async () =>
        {
            ComputeThreads.Apply(result, threads);
            var bar = result.GetValue(require) is { } bars ? AccuracyBar.Parse(bars) : null;
            if (result.GetValue(families) is not null && result.GetValue(synthetic) is null)
                throw new ArgumentException("--families chooses synthetic questions: use it with --synthetic");
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
                var asked = result.GetValue(families) is { } names ? SyntheticDatasetBuilder.FamiliesNamed(names) : null;
                var builder = new SyntheticDatasetBuilder(new SceneOptions { ImageSize = result.GetValue(sceneSize) }, families: asked);
                samples = builder.Build(result.GetValue(seed), n).Select(EvalSampleSource.FromSynthetic);
                count = n;
            }
            else
            {
                throw new ArgumentException("give --data FILE or --synthetic N");
            }

            await using var reportFile = result.GetValue(output) is { } reportPath ? new PendingReportFile(reportPath) : null;
            await using var log = result.GetValue(answers) is { } logPath ? new StreamWriter(logPath) : null;
            using var serving = model.Serve(result);
            var answerer = new ModelAnswerer(serving, result.GetValue(maxNewTokens));
            var harness = new EvaluationHarness(answerer.AnswerAsync);
            var progress = new Progress<int>(done => { if (done % 25 == 0 || done == count) Console.Error.Write($"\r{done}/{count} questions"); });
            var report = await harness.RunAsync(samples, progress, log is null ? null : a => log.WriteLine(a.ToJsonLine()), cancellationToken);
            Console.Error.WriteLine();
            Console.WriteLine(EvaluationTable.Format(report));
            if (reportFile is not null) await reportFile.CommitAsync(report.ToJson());
            if (bar?.Shortfalls(report) is { Count: > 0 } shortfalls)
            {
                foreach (var line in shortfalls) Console.Error.WriteLine($"osprey: below the bar: {line}");
                return BelowBarExitCode;
            }
            return 0;
        }));
        return command;
    }
}
