using System.CommandLine;
using Osprey.Engine;
using Osprey.Engine.Devices;
using Osprey.Training.Pretraining;

namespace Osprey.Cli.Commands;

/// <summary>
/// <c>osprey pretrain-induction</c>: trains a model's decoder, text only, to continue repeated random
/// token sequences (the induction circuit a multi-region conversation binds its region names with);
/// the vision trunk, projector and mask extractor are kept as they are.
/// </summary>
public static class PretrainInductionCommand
{
    public static Command Create()
    {
        var initFrom = new Option<string>("--init-from") { Description = "Model directory whose weights training starts from", Required = true };
        var output = new Option<string>("--out") { Description = "Output model directory", Required = true };
        var optimization = new OptimizationOptions(defaultLearningRate: 2e-3, batchDescription: "Sequences per step");
        var minLength = new Option<int>("--min-length") { Description = "Fewest random tokens before their repeat", DefaultValueFactory = _ => 16 };
        var maxLength = new Option<int>("--max-length") { Description = "Most random tokens before their repeat", DefaultValueFactory = _ => 160 };
        var threads = ComputeThreads.Create();

        var command = new Command("pretrain-induction", "Pretrain a model's decoder on repeated random token sequences (text only)")
        {
            initFrom, output, minLength, maxLength, threads,
        };
        optimization.AddTo(command);
        command.SetAction((result, cancellationToken) => CliErrors.Guard(() =>
        {
            var options = optimization.Bind(result, InductionPretrainer.Modules);
            if (options.Workers != 1) throw new ArgumentException("pretrain-induction runs one model: --workers 1");
            ComputeThreads.Apply(result, threads, options.Workers);
            var startDir = result.GetValue(initFrom)!;
            using var engine = OspreyEngine.Load(startDir, EngineOptions.Cpu32);
            using var trainer = new InductionPretrainer(engine.Model, engine.Tokenizer, Path.Combine(startDir, "tokenizer.model"), options,
                result.GetValue(minLength), result.GetValue(maxLength), result.GetValue(output)!, Console.Out);
            Console.Error.WriteLine($"pretraining the decoder on repeated random sequences ({trainer.TrainableParameterCount:N0} parameters), " +
                                    $"{options.Steps} steps of {options.BatchSize}");
            trainer.Run(cancellationToken);
            return Task.FromResult(0);
        }));
        return command;
    }
}
