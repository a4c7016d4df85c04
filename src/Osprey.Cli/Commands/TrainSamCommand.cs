using System.CommandLine;
using Osprey.Engine.Checkpoints;
using Osprey.Engine.Devices;
using Osprey.Engine.Layers;
using Osprey.Engine.Segmentation;
using Osprey.Training.Segmentation;
using Osprey.Training.Synthetic;
using static TorchSharp.torch;

namespace Osprey.Cli.Commands;

/// <summary>
/// <c>osprey train-sam</c>: trains a small Segment Anything model from scratch on the synthetic region
/// world (clicks and boxes with their objects' visible masks), writes it as a SAM model directory
/// (<c>config.json</c> + <c>model.safetensors</c>) and evaluates it on held-out scenes.
/// </summary>
public static class TrainSamCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Output SAM model directory", Required = true };
        var steps = new Option<int>("--steps") { Description = "Updates", DefaultValueFactory = _ => 1000 };
        var scenesPerStep = new Option<int>("--scenes-per-step") { Description = "Scenes per update", DefaultValueFactory = _ => 4 };
        var learningRate = new Option<double>("--lr") { Description = "Peak learning rate", DefaultValueFactory = _ => 1e-3 };
        var warmup = new Option<int>("--warmup") { Description = "Warm-up steps", DefaultValueFactory = _ => 60 };
        var seed = new Option<long>("--seed") { Description = "Seed of the initial weights and the training scenes", DefaultValueFactory = _ => 1 };
        var sceneSize = new Option<int>("--scene-size") { Description = "Side of the synthetic scenes and the encoder input", DefaultValueFactory = _ => 128 };
        var patchSize = new Option<int>("--patch-size") { DefaultValueFactory = _ => 4 };
        var embedDim = new Option<int>("--embed-dim") { Description = "Image encoder width", DefaultValueFactory = _ => 64 };
        var depth = new Option<int>("--depth") { Description = "Image encoder blocks (the last one global)", DefaultValueFactory = _ => 4 };
        var heads = new Option<int>("--heads") { Description = "Image encoder heads", DefaultValueFactory = _ => 2 };
        var window = new Option<int>("--window") { Description = "Window of the windowed blocks, in tokens", DefaultValueFactory = _ => 8 };
        var promptDim = new Option<int>("--prompt-dim") { Description = "Prompt and mask decoder width", DefaultValueFactory = _ => 64 };
        var initFrom = new Option<string?>("--init-from")
        {
            Description = "Continue training this SAM model directory (its architecture and positions; the shape options and --fourier-scale are ignored) instead of a new model from --seed",
        };
        var evalScenes = new Option<int>("--eval-scenes") { Description = "Held-out scenes to evaluate on (0: none)", DefaultValueFactory = _ => SamHeldOutEvaluation.DefaultScenes };
        var evalSeed = new Option<long>("--eval-seed") { Description = "Seed of the held-out scenes", DefaultValueFactory = _ => SamHeldOutEvaluation.DefaultSeed };
        var clicksPerObject = new Option<int>("--clicks-per-object")
        {
            Description = "Single clicks trained per object and scene (beside its box and click pair)", DefaultValueFactory = _ => 1,
        };
        var fourierScale = new Option<double>("--fourier-scale")
        {
            Description = "Standard deviation of a new model's random-Fourier position matrix (the published models: 1)",
            DefaultValueFactory = _ => SamParameterInitializer.DefaultFourierScale,
        };
        var threads = ComputeThreads.Create();

        var command = new Command("train-sam", "Train a small Segment Anything model on synthetic scenes and evaluate it on held-out ones")
        {
            output, steps, scenesPerStep, learningRate, warmup, seed, sceneSize, patchSize, embedDim, depth, heads, window, promptDim,
            initFrom, evalScenes, evalSeed, clicksPerObject, fourierScale, threads,
        };
        command.SetAction((result, _) => CliErrors.Guard(() =>
        {
            ComputeThreads.Apply(result, threads);
            NativeHeap.KeepFreedBlocks();
            var outDir = result.GetValue(output)!;
            var scenes = new SceneGenerator(new SceneOptions { ImageSize = result.GetValue(sceneSize) });
            var config = SmallSam.Config(result.GetValue(sceneSize), result.GetValue(patchSize), result.GetValue(embedDim), result.GetValue(depth),
                result.GetValue(heads), result.GetValue(window), result.GetValue(promptDim));
            // Round-trip through the parser: the same validation as loading, before any compute.
            config = SamConfig.Parse(config.ToJson());
            var options = new SamTrainingOptions
            {
                Steps = result.GetValue(steps),
                ScenesPerStep = result.GetValue(scenesPerStep),
                LearningRate = result.GetValue(learningRate),
                WarmupSteps = result.GetValue(warmup),
                Seed = result.GetValue(seed),
                ClicksPerObject = result.GetValue(clicksPerObject),
            };
            if (options.Steps < 1 || options.ScenesPerStep < 1 || options.ClicksPerObject < 1)
                throw new ArgumentException("--steps, --scenes-per-step and --clicks-per-object must be positive");

            SamModel model;
            if (result.GetValue(initFrom) is { } from)
            {
                model = SamCheckpoint.Load(from);
                config = model.Config;
            }
            else
            {
                model = new SamModel(config, ParameterAllocation.CpuFloat32);
                SamParameterInitializer.Initialize(model, options.Seed, result.GetValue(fourierScale));
            }
            using var _ = model;
            var parameters = model.parameters().Sum(p => p.numel());
            Console.Error.WriteLine($"training a {parameters:N0}-parameter SAM, {options.Steps} steps of {options.ScenesPerStep} scenes, {get_num_threads()} thread(s)");
            new SamTrainer(model, options, scenes).Train(p => Console.Error.WriteLine(
                $"step {p.Step}/{p.Steps} lr {p.LearningRate:0.00000} loss {p.Loss:0.0000} click IoU {p.ClickIou:0.000} box IoU {p.BoxIou:0.000} ({p.Elapsed:hh\\:mm\\:ss})"));

            Directory.CreateDirectory(outDir);
            CheckpointSaver.Save(model, outDir, CheckpointNameMap.Identity, new CheckpointSaveOptions { Overwrite = true });
            File.WriteAllText(Path.Combine(outDir, SamCheckpoint.ConfigFileName), config.ToJson());
            Console.Error.WriteLine($"wrote {outDir}");

            var count = result.GetValue(evalScenes);
            if (count > 0)
            {
                using var saved = SamCheckpoint.Load(outDir);
                var eval = SamHeldOutEvaluation.Run(new SamPredictor(saved), scenes, result.GetValue(evalSeed), count);
                SamEvaluationFile.Write(eval, Path.Combine(outDir, SamEvaluationFile.FileName));
            }
            return Task.FromResult(0);
        }));
        return command;
    }
}
