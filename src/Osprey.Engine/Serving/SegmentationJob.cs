using Osprey.Engine.Segmentation;

namespace Osprey.Engine.Serving;

/// <summary>One caller's segmentation: work against an image's embedding, run on the segmentation worker, and whoever awaits it.</summary>
internal abstract class SegmentationJob
{
    /// <summary>Runs the work and completes the caller's task with its result or its exception; never throws.</summary>
    public abstract void Run(SamPredictor predictor, SamImageEmbedding embedding);

    public abstract void Fail(Exception error);
}

internal sealed class SegmentationJob<T>(Func<SamPredictor, SamImageEmbedding, T> work, CancellationToken cancellationToken) : SegmentationJob
{
    public TaskCompletionSource<T> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override void Run(SamPredictor predictor, SamImageEmbedding embedding)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            Done.TrySetCanceled(cancellationToken);
            return;
        }
        try
        {
            Done.TrySetResult(work(predictor, embedding));
        }
        catch (Exception e)
        {
            Done.TrySetException(e);
        }
    }

    public override void Fail(Exception error) => Done.TrySetException(error);
}
