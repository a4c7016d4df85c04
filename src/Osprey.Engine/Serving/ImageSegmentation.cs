using Osprey.Engine.Segmentation;

namespace Osprey.Engine.Serving;

/// <summary>
/// Runs segmentations against images' resident SAM embeddings, computing an embedding once per image
/// on the <see cref="SegmentationWorker"/> when it is not resident (at most one in flight per image;
/// whoever asks meanwhile waits for it). The embedding is pinned while work runs on it. Engine thread
/// only; the worker's results come back as commands through <paramref name="post"/>.
/// </summary>
internal sealed class ImageSegmentation(SegmentationWorker worker, ResidentSet resident, ServingCounters counters, Func<EngineCommand, bool> post)
{
    private readonly Dictionary<string, List<SegmentationJob>> _inFlight = [];

    public void Submit(ImageSource image, SegmentationJob job)
    {
        if (resident.TryGetSegmentation(image.Id) is { } ready)
        {
            Dispatch(ready, job);
            return;
        }
        if (_inFlight.TryGetValue(image.Id, out var waiting))
        {
            waiting.Add(job);
            return;
        }
        _inFlight[image.Id] = [job];
        try
        {
            Embed(image);
        }
        catch (ObjectDisposedException e)
        {
            _inFlight.Remove(image.Id);
            job.Fail(e);
        }
    }

    private void Embed(ImageSource image) =>
        worker.Run<bool>(predictor =>
        {
            SegmentationEmbedded landed;
            try
            {
                landed = new SegmentationEmbedded(image.Id, predictor.Embed(image.Decode()), null);
            }
            catch (Exception e)
            {
                landed = new SegmentationEmbedded(image.Id, null, e);
            }
            if (!post(landed)) landed.Embedding?.Dispose();
            return true;
        });

    /// <summary>Makes a landed embedding resident and runs the work that waited for it; a failure fails that work.</summary>
    public void Land(SegmentationEmbedded landed)
    {
        if (!_inFlight.Remove(landed.ImageId, out var jobs) || landed.Embedding is not { } embedding)
        {
            landed.Embedding?.Dispose();
            var error = landed.Error ?? new InvalidOperationException($"A SAM embedding of image {landed.ImageId} landed that nothing asked for.");
            foreach (var job in jobs ?? []) job.Fail(error);
            return;
        }
        counters.SegmentationEncoded();
        var entry = new ResidentSegmentation(landed.ImageId, embedding);
        resident.Add(entry);
        foreach (var job in jobs) Dispatch(entry, job);
    }

    public static void Finish(SegmentationDone done) => done.Segmentation.Pins--;

    /// <summary>Fails whoever waits on an embedding that will never land (the engine is stopping).</summary>
    public void Abandon(Exception error)
    {
        foreach (var jobs in _inFlight.Values)
            foreach (var job in jobs) job.Fail(error);
        _inFlight.Clear();
    }

    private void Dispatch(ResidentSegmentation entry, SegmentationJob job)
    {
        entry.Pins++;
        try
        {
            worker.Run<bool>(predictor =>
            {
                job.Run(predictor, entry.Embedding);
                // Unpinned on the engine thread; after a stop the set is disposed anyway.
                post(new SegmentationDone(entry));
                return true;
            });
        }
        catch (ObjectDisposedException e)
        {
            entry.Pins--;
            job.Fail(e);
        }
    }
}
