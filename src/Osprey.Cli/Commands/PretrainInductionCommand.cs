using System.CommandLine;
using Osprey.Engine;
using Osprey.Engine.Devices;
using Osprey.Training.Pretraining;
using Osprey.Training.Training;

namespace Osprey.Cli.Commands;

/// <summary>
/// <c>osprey pretrain-induction</c>: trains a model's decoder, text only, on sequences only a lookup of an
/// earlier token predicts (the induction circuit a multi-region conversation binds its region names
/// with): repeated random token sequences, or Osprey's conversation layout with random tokens for the
/// regions; the vision trunk, projector and mask extractor are kept as they are.
/// </summary>
public static class PretrainInductionCommand
{
    public static Command Create()
    {
        var initFrom = new Option<string>("--init-from") { Description = "Model directory whose weights training starts from" };
        var output = new Option<string>("--out") { Description = "Output model directory (checkpoints in OUT/resume)", Required = true };
        var resume = new Option<bool>("--resume") { Description = "Continue from OUT/resume" };
        var optimization = new OptimizationOptions(defaultLearningRate: 2e-3, batchDescription: "Sequences per step");
        var minLength = new Option<int>("--min-length") { Description = "Fewest random tokens before their repeat", DefaultValueFactory = _ => 16 };
        var maxLength = new Option<int>("--max-length") { Description = "Most random tokens before their repeat", DefaultValueFactory = _ => 160 };
        var task = new Option<string>("--task")
        {
            Description = "repeat: repeated random sequences; region-recall: conversations whose answers are the tokens that followed the named region; " +
                          "region-recall-bare: the same lookup without the chat template",
            DefaultValueFactory = _ => "repeat",
        };
        task.AcceptOnlyFromAmong("repeat", "region-recall", "region-recall-bare");
        var maxRegions = new Option<int>("--max-regions") { Description = "region-recall: most regions per conversation (1..9)", DefaultValueFactory = _ => 8 };
        var questions = new Option<int>("--questions") { Description = "region-recall: questions per conversation", DefaultValueFactory = _ => 6 };
        var threads = ComputeThreads.Create();

        var command = new Command("pretrain-induction", "Pretrain a model's decoder on repeated random token sequences (text only)")
        {
            initFrom, output, resume, task, minLength, maxLength, maxRegions, questions, threads,
        };
        optimization.AddTo(command);
        command.SetAction((result, cancellationToken) => CliErrors.Guard(() =>
        {
            var options = optimization.Bind(result, InductionPretrainer.Modules);
            if (options.Workers != 1) throw new ArgumentException("pretrain-induction runs one model: --workers 1");
            ComputeThreads.Apply(result, threads, options.Workers);
            var outDir = result.GetValue(output)!;
            var resumeDir = Path.Combine(outDir, Trainer.ResumeDirectoryName);
            var resuming = result.GetValue(resume);
            if (resuming == (result.GetValue(initFrom) is not null))
                throw new ArgumentException("give exactly one of --init-from (a new run) and --resume");
            if (resuming && !Directory.Exists(resumeDir))
                throw new DirectoryNotFoundException($"--resume: no checkpoint in {resumeDir}");
            var startDir = resuming ? resumeDir : result.GetValue(initFrom)!;
            using var engine = OspreyEngine.Load(startDir, EngineOptions.Cpu32);
            var pool = InductionPretrainer.Pool(engine.Tokenizer);
            ILookupSequences sequences = result.GetValue(task) switch
            {
                "region-recall" => new RegionRecallSequences(engine.Tokenizer, pool, result.GetValue(maxRegions), result.GetValue(questions)),
                "region-recall-bare" => new RegionRecallSequences(engine.Tokenizer, pool, result.GetValue(maxRegions), result.GetValue(questions), inChat: false),
                _ => new RepeatedTokenSequences(pool, engine.Tokenizer.BosId, result.GetValue(minLength), result.GetValue(maxLength)),
            };
            using var trainer = new InductionPretrainer(engine.Model, engine.Tokenizer, Path.Combine(startDir, "tokenizer.model"), options,
                sequences, outDir, Console.Out);
            if (resuming) trainer.RestoreOptimizerAndStep(resumeDir);
            Console.Error.WriteLine($"pretraining the decoder on {sequences.Description} ({trainer.TrainableParameterCount:N0} parameters), " +
                                    $"{options.Steps} steps of {options.BatchSize}");
            trainer.Run(cancellationToken);
            return Task.FromResult(0);
        }));
        return command;
    }
}
