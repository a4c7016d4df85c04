using Osprey.Engine.Segmentation;

namespace Osprey.Engine.Serving;

/// <summary>Work posted to the engine thread.</summary>
internal abstract record EngineCommand;

/// <summary>Makes an image's features and prefix cache resident (encoding it if needed).</summary>
internal sealed record EnsureImage(ImageSource Image, TaskCompletionSource Done) : EngineCommand;

/// <summary>Answers the resident image's features as bytes (a replica's copy), or fails when they are not resident.</summary>
internal sealed record ExportImageFeatures(string ImageId, TaskCompletionSource<byte[]> Done) : EngineCommand;

/// <summary>A copy of an image's features is written (<see cref="FeatureExports"/>): it may be evicted again.</summary>
internal sealed record FeaturesExported(ResidentImage Image) : EngineCommand;

/// <summary>Queues a sequence for admission at the next iteration.</summary>
internal sealed record StartSequence(PendingSequence Sequence) : EngineCommand;

/// <summary>Drops an image's features and prefix cache if nothing running uses them.</summary>
internal sealed record ReleaseImage(string ImageId) : EngineCommand;

/// <summary>Only wakes the loop (a sequence was cancelled).</summary>
internal sealed record Wake : EngineCommand;

/// <summary>An image's resident state, computed by the <see cref="ImageEncoder"/>; or why it could not be.
/// <see cref="Copied"/>: the features came from another silo's copy, not from an encode.</summary>
internal sealed record ImageEncoded(ImageSource Source, ResidentImage? Image, Exception? Error, bool Copied = false) : EngineCommand;

/// <summary>Runs a segmentation against the image's SAM embedding (computing it if it is not resident).</summary>
internal sealed record SegmentImage(ImageSource Image, SegmentationJob Job) : EngineCommand;

/// <summary>An image's SAM embedding, computed by the <see cref="SegmentationWorker"/>; or why it could not be.</summary>
internal sealed record SegmentationEmbedded(string ImageId, SamImageEmbedding? Embedding, Exception? Error) : EngineCommand;

/// <summary>A segmentation finished with the embedding: it may be evicted again.</summary>
internal sealed record SegmentationDone(ResidentSegmentation Segmentation) : EngineCommand;
