using System.CommandLine;
using Osprey.Engine.Devices;
using Osprey.Engine.Segmentation;
using Osprey.Training.Segmentation;
using Osprey.Training.Synthetic;

namespace Osprey.Cli.Commands;

/// <summary>
/// <c>osprey eval-sam</c>: the held-out evaluation <c>train-sam</c> ends with, on a SAM model that is
/// already trained (a shipped one, or one whose evaluation predates a new measurement).
/// </summary>
public static class EvalSamCommand
{
    public static Command Create()
    {
        var sam = new Option<string?>("--sam") { Description = "SAM model directory (default: models/sam-default)" };
        var evalScenes = new Option<int>("--eval-scenes") { Description = "Held-out scenes", DefaultValueFactory = _ => SamHeldOutEvaluation.DefaultScenes };
        var evalSeed = new Option<long>("--eval-seed") { Description = "Seed of the held-out scenes", DefaultValueFactory = _ => SamHeldOutEvaluation.DefaultSeed };
        var output = new Option<string>("--output-json") { Description = "Where to write the evaluation", Required = true };
        var threads = ComputeThreads.Create();
        var command = new Command("eval-sam", "Evaluate a SAM model on held-out synthetic scenes (clicks and boxes against visible masks)")
        {
            sam, evalScenes, evalSeed, output, threads,
        };
        command.SetAction((result, _) => CliErrors.Guard(() =>
        {
            ComputeThreads.Apply(result, threads);
            NativeHeap.KeepFreedBlocks();
            var count = result.GetValue(evalScenes);
            if (count < 1) throw new ArgumentException($"--eval-scenes must be positive, got {count}");
            using var model = SamCheckpoint.Load(DefaultSam.Resolve(result.GetValue(sam)));
            var scenes = new SceneGenerator(new SceneOptions { ImageSize = model.Config.ImageSize });
            var eval = SamHeldOutEvaluation.Run(new SamPredictor(model), scenes, result.GetValue(evalSeed), count);
            SamEvaluationFile.Write(eval, result.GetValue(output)!);
            return Task.FromResult(0);
        }));
        return command;
    }
}
