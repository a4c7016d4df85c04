using Osprey.Engine;
using Osprey.Engine.Checkpoints;
using Osprey.Engine.Devices;
using Osprey.Engine.Tokenization;
using Osprey.Training.Pretraining;
using Osprey.Training.Synthetic;
using Osprey.Training.Synthetic.QuestionFamilies;
using Osprey.Training.Training;
using TorchSharp;

namespace Osprey.Bench.Engine;

/// <summary>
/// The two kinds of step that scripts/train-default-model.sh spends its time in, on the default
/// model's config: stage 3 on multi-region conversations of sixteen questions with the region-attention
/// term (batch 8; the rounds that carry the asked words to the answer, its longest) and vision
/// pretraining (batch 16). Each runs with one model and with one replica per core, one
/// libtorch thread each, alternating so both see the same machine; a trainer's run is timed whole
/// (its closing checkpoint included, the model's loading not) after an untimed warm-up run of each.
/// </summary>
public sealed class TrainingBench(string modelDirectory, int steps, int repeat, Action<string> log)
{
    /// <summary>The scene side the training script uses (the train commands' default).</summary>
    private const int SceneSize = 128;

    private readonly string _tokenizerPath = Path.Combine(modelDirectory, CheckpointDirectory.TokenizerModelFileName);

    public IReadOnlyList<TrainingResult> Run()
    {
        var previousThreads = torch.get_num_threads();
        torch.set_num_threads(1);
        try
        {
            var parallel = Math.Max(2, Environment.ProcessorCount);
            var results = new List<TrainingResult>();
            foreach (var (name, batch, run) in new (string, int, Func<int, int, double>)[]
                     {
                         ("stage 3, conversations of 16 questions, region attention", 8, Stage3),
                         ("vision pretraining", 16, VisionPretraining),
                     })
            {
                var best = new Dictionary<int, double>();
                foreach (var workers in new[] { 1, parallel }) run(workers, 2);
                for (int r = 0; r < Math.Max(1, repeat); r++)
                foreach (var workers in new[] { 1, parallel })
                {
                    var seconds = run(workers, steps) / steps;
                    log($"{name}: {workers} worker(s) {seconds:F2} s/step");
                    best[workers] = Math.Min(best.GetValueOrDefault(workers, double.PositiveInfinity), seconds);
                }
                results.AddRange(best.Select(b => new TrainingResult(name, batch, b.Key, 1, b.Value)));
            }
            return results;
        }
        finally
        {
            torch.set_num_threads(previousThreads);
        }
    }

    /// <returns>Seconds the trainer's run took.</returns>
    private double Stage3(int workers, int stepCount)
    {
        using var engine = OspreyEngine.Load(modelDirectory, EngineOptions.Cpu32);
        // The script's words rounds: --family-weights yesno=6,comparison=3,category=2,description=2,colour=2
        // --conversation-questions 16 --conversation-min-regions 2 and every --region-attention-* option.
        var mixture = new QuestionMixture
        {
            FamilyWeights = new Dictionary<string, double> { ["yesno"] = 6, ["comparison"] = 3, ["category"] = 2, ["description"] = 2, ["colour"] = 2 },
        };
        var data = new RegionConversationSource(80000, seed: 925, new SceneOptions { ImageSize = SceneSize }, mixture: mixture,
            minRegions: 2, questions: 16);
        var options = Options(stepCount, 8, workers, TrainingStage.Parse("3")) with
        {
            RegionAttention = new RegionAttention(3, engine.Model.llm.Config.NumLayers - 1, Head: -1, Circuit: true, Word: true),
        };
        return WithScratchDirectory(outDir =>
        {
            using var trainer = new Trainer(engine.Model, engine.Tokenizer, _tokenizerPath, data, options, outDir, TextWriter.Null);
            return Timing.Once(() => trainer.Run()) / 1000;
        });
    }

    /// <returns>Seconds the trainer's run took.</returns>
    private double VisionPretraining(int workers, int stepCount)
    {
        var tokenizer = OspreyTokenizer.Load(_tokenizerPath);
        var config = global::Osprey.Engine.Config.OspreyConfig.Load(Path.Combine(modelDirectory, CheckpointDirectory.ConfigFileName));
        using var model = FreshModel.Create(config, tokenizer, seed: 1, layerScale: 1.0);
        var options = Options(stepCount, 16, workers, VisionPretrainer.Modules);
        return WithScratchDirectory(outDir =>
        {
            using var trainer = new VisionPretrainer(model, tokenizer, _tokenizerPath, new SceneOptions { ImageSize = SceneSize },
                options, outDir, TextWriter.Null);
            return Timing.Once(() => trainer.Run()) / 1000;
        });
    }

    private static TrainingOptions Options(int steps, int batchSize, int workers, TrainableModules modules) => new()
    {
        Steps = steps, BatchSize = batchSize, Workers = workers, Modules = modules, LearningRate = 1.5e-3, WarmupSteps = 20,
        WeightDecay = 0.1, CheckpointEvery = 0, LogEvery = int.MaxValue,
    };

    private static double WithScratchDirectory(Func<string, double> action)
    {
        var directory = Directory.CreateTempSubdirectory("osprey-bench-train").FullName;
        try
        {
            return action(directory);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
