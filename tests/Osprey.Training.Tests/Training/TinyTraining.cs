using Osprey.Engine.Config;
using Osprey.Engine.Tokenization;
using Osprey.Training.Synthetic;
using Osprey.Training.Synthetic.QuestionFamilies;
using Osprey.Training.Training;

namespace Osprey.Training.Tests.Training;

/// <summary>A model small enough to train for real inside a unit test, and data for it.</summary>
public static class TinyTraining
{
    private static readonly Lazy<OspreyTokenizer> LazyTokenizer = new(() => OspreyTokenizer.Load(RepositoryPaths.TokenizerModel));

    public static OspreyTokenizer Tokenizer => LazyTokenizer.Value;

    public static OspreyConfig Config => new()
    {
        Language = new LanguageConfig
        {
            HiddenSize = 32, IntermediateSize = 64, NumLayers = 1, NumHeads = 2, NumKeyValueHeads = 1, VocabSize = 32002,
            TieWordEmbeddings = true, MaxPositionEmbeddings = 512,
        },
        Vision = new VisionConfig { Dims = [8, 8, 16, 16], Depths = [1, 1, 1, 1] },
        MaskExtractor = new MaskExtractorConfig { EmbedDim = 16, MaskShape = 16 },
        MmHiddenSize = 16,
        ImageSize = 64,
    };

    /// <summary>Single questions about 64×64 scenes.</summary>
    public static IReadOnlyList<TrainingExample> Examples(long seed, int count, params IQuestionFamily[] families) =>
        new SyntheticDatasetBuilder(new SceneOptions { ImageSize = 64 }, samplesPerScene: 1, families: families.Length > 0 ? families : null)
            .Build(seed, count).Select(TrainingExample.FromSynthetic).ToList();

    public static TrainingOptions Options(int steps, int batchSize, TrainableModules modules = TrainableModules.All, double lr = 3e-3) => new()
    {
        Steps = steps, BatchSize = batchSize, LearningRate = lr, WarmupSteps = 2, Modules = modules, CheckpointEvery = 0,
        LogEvery = 1000, Seed = 7,
    };
}
