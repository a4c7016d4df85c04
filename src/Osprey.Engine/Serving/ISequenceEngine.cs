using Osprey.Engine.Segmentation;
using Osprey.Engine.Tokenization;

namespace Osprey.Engine.Serving;

/// <summary>
/// What a silo's grains ask of its engine: the tokenizer their prompts are built with, room in the
/// context, generation, and residency and memory to report and place by. <see cref="ServingEngine"/>
/// runs the model; the benchmark's simulation puts a cost model in its place.
/// </summary>
public interface ISequenceEngine : IDisposable
{
    OspreyTokenizer Tokenizer { get; }
    int ContextLength { get; }

    /// <summary>Positions a conversation's first turn takes before its question (the image and its regions' introduction).</summary>
    int IntroductionPositions(int regionCount);

    /// <summary>Streams the sampled tokens, then one event carrying the outcome.</summary>
    IAsyncEnumerable<SequenceEvent> Generate(SequenceRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// The image's features as bytes for a replica on another silo (<see cref="ImageSource.FeatureCopy"/>),
    /// encoding the image first when they are not resident here.
    /// </summary>
    Task<byte[]> ExportFeatures(ImageSource image, CancellationToken cancellationToken = default);

    /// <summary>Drops the image's features and cached prompts (a late release is not an error).</summary>
    void ReleaseImage(string imageId);

    ServingMetrics Metrics();
    long FreeBytes { get; }

    /// <summary>Sequences submitted and not yet taken into the batch.</summary>
    int WaitingSequences { get; }

    /// <summary>The Segment Anything model's shape, or null when this engine has none.</summary>
    SamConfig? SegmentationConfig { get; }

    /// <summary>Runs <paramref name="work"/> against the image's SAM embedding, computed once and kept resident beside its features.</summary>
    Task<T> Segment<T>(ImageSource image, Func<SamPredictor, SamImageEmbedding, T> work, CancellationToken cancellationToken = default);
}
