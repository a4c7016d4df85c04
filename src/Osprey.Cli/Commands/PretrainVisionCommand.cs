using System.CommandLine;
using Osprey.Engine;
using Osprey.Engine.Config;
using Osprey.Engine.Devices;
using Osprey.Engine.Multimodal;
using Osprey.Engine.Tokenization;
using Osprey.Training.Pretraining;
using Osprey.Training.Synthetic;
using Osprey.Training.Training;

namespace Osprey.Cli.Commands;

/// <summary>
/// <c>osprey pretrain-vision</c>: trains a new model's vision trunk and mask extractor to read each
/// synthetic object's category, colour and size from its region tokens (the stand-in for a
/// CLIP-pretrained trunk); <c>osprey train --init-from OUT --stage 3</c> then trains the rest with the
/// trunk frozen, as the paper does.
/// </summary>
public static class PretrainVisionCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config") { Description = "config.json of a new model (initialised from --seed)" };
        var output = new Option<string>("--out") { Description = "Output model directory (checkpoints in OUT/resume)", Required = true };
        var resume = new Option<bool>("--resume") { Description = "Continue from OUT/resume" };
        var optimization = new OptimizationOptions(defaultLearningRate: 2e-3, batchDescription: "Scenes per step (every object of a scene is a region)");
        var sceneSize = new Option<int>("--scene-size") { Description = "Side of synthetic scenes in pixels", DefaultValueFactory = _ => 128 };
        var layerScale = new Option<double>("--layer-scale")
        {
            Description = "Initial ConvNeXt layer scale of the new model",
            DefaultValueFactory = _ => 1.0,
        };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "tokenizer.model (default: the default model's)" };
        var threads = ComputeThreads.Create();

        var command = new Command("pretrain-vision", "Pretrain a new model's vision trunk and mask extractor on synthetic region attributes")
        {
            config, output, resume, sceneSize, layerScale, tokenizer, threads,
        };
        optimization.AddTo(command);
        command.SetAction((result, cancellationToken) => CliErrors.Guard(() =>
        {
            var outDir = result.GetValue(output)!;
            var options = optimization.Bind(result, VisionPretrainer.Modules);
            ComputeThreads.Apply(result, threads, options.Workers);
            var sceneOptions = new SceneOptions { ImageSize = result.GetValue(sceneSize) };
            sceneOptions.Validate();
            var resumeDir = Path.Combine(outDir, Trainer.ResumeDirectoryName);
            var resuming = result.GetValue(resume);
            if (resuming && !Directory.Exists(resumeDir))
                throw new DirectoryNotFoundException($"--resume: no checkpoint in {resumeDir}");
            if (resuming == result.GetValue(config) is not null)
                throw new ArgumentException("give exactly one of --config (new model) and --resume");

            OspreyEngine? engine = null;
            OspreyModel model;
            OspreyTokenizer tok;
            string tokenizerPath;
            if (resuming)
            {
                engine = OspreyEngine.Load(resumeDir, EngineOptions.Cpu32);
                (model, tok) = (engine.Model, engine.Tokenizer);
                tokenizerPath = Path.Combine(outDir, "tokenizer.model");
            }
            else
            {
                tokenizerPath = TokenizerLocation.Resolve(result.GetValue(tokenizer));
                tok = OspreyTokenizer.Load(tokenizerPath);
                model = FreshModel.Create(OspreyConfig.Load(result.GetValue(config)!), tok, options.Seed, result.GetValue(layerScale));
            }
            try
            {
                using var trainer = new VisionPretrainer(model, tok, tokenizerPath, sceneOptions, options, outDir, Console.Out);
                if (resuming)
                {
                    trainer.RestoreHeadsOptimizerAndStep(resumeDir);
                    Console.Error.WriteLine($"resuming at step {trainer.Step}");
                }
                Console.Error.WriteLine($"pretraining vision trunk + mask extractor ({trainer.TrainableParameterCount:N0} parameters with the heads), " +
                                        $"{options.Steps} steps of {options.BatchSize} scenes");
                trainer.Run(cancellationToken);
                Console.Error.WriteLine($"done: {outDir}");
            }
            finally
            {
                if (engine is not null) engine.Dispose();
                else model.Dispose();
            }
            return Task.FromResult(0);
        }));
        return command;
    }
}
