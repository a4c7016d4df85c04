namespace Osprey.Engine.Serving;

/// <summary>
/// Finds an image's resident features, or has the <see cref="ImageEncoder"/> compute them while the
/// engine keeps stepping: at most one encode per image is in flight, and whoever asked for it is
/// answered when it lands. Engine thread only.
/// </summary>
internal sealed class ImageResidency(ImagePromptPrefix prefix, ResidentSet resident, ServingCounters counters, ImageEncoder encoder)
{
    private sealed class Encoding
    {
        public List<TaskCompletionSource> Ensures { get; } = [];

        /// <summary>A sequence asked for it: the first one admitted after it lands reports the miss.</summary>
        public bool ForSequence { get; set; }
    }

    private readonly Dictionary<string, Encoding> _inFlight = [];
    private readonly HashSet<string> _missOwed = [];

    public bool IsResident(string id) => resident.TryGetImage(id) is not null;

    public bool IsEncoding(string id) => _inFlight.ContainsKey(id);

    /// <summary>Starts the image's encode unless it is resident or already in flight.</summary>
    public void Request(ImageSource source, bool forSequence)
    {
        if (IsResident(source.Id)) return;
        if (!_inFlight.TryGetValue(source.Id, out var encoding))
        {
            counters.FeatureMiss();
            _inFlight[source.Id] = encoding = new Encoding();
            if (source.FeatureCopy is { } copy) _ = Copy(source, copy);
            else encoder.Enqueue(source);
        }
        encoding.ForSequence |= forSequence;
    }

    /// <summary>
    /// Fetches a replica's features from the image's home off the engine thread, then has the encoder make
    /// them resident; when the copy fails (the home silo is gone) the encoder encodes the image instead.
    /// </summary>
    private async Task Copy(ImageSource source, Func<CancellationToken, Task<byte[]>> copy)
    {
        byte[]? features = null;
        try
        {
            features = await Task.Run(() => copy(CancellationToken.None)).ConfigureAwait(false);
        }
        catch (Exception)
        {
        }
        encoder.Enqueue(source, features);
    }

    /// <summary>Completes <paramref name="done"/> once the image is resident (at once if it is).</summary>
    public void Ensure(ImageSource source, TaskCompletionSource done)
    {
        Request(source, forSequence: false);
        if (_inFlight.TryGetValue(source.Id, out var encoding)) encoding.Ensures.Add(done);
        else done.TrySetResult();
    }

    /// <summary>Makes a landed encode resident and answers its askers; a failure's error is returned for the loop to pass on.</summary>
    public Exception? Land(ImageEncoded encoded)
    {
        var id = encoded.Source.Id;
        if (!_inFlight.Remove(id, out var encoding) || encoded.Image is not { } image)
        {
            // Not asked for (cannot happen while the loop runs): nothing would ever own it.
            encoded.Image?.Dispose();
            var error = encoded.Error ?? new InvalidOperationException($"An encode of image {id} landed that nothing asked for.");
            foreach (var done in encoding?.Ensures ?? []) done.TrySetException(error);
            return error;
        }
        if (encoded.Copied) counters.FeaturesCopied();
        else counters.ImageEncoded();
        counters.Prefilled(prefix.Positions);
        resident.Add(image);
        if (encoding.ForSequence) _missOwed.Add(id);
        foreach (var done in encoding.Ensures) done.TrySetResult();
        return null;
    }

    /// <summary>The resident image a sequence is admitted with; the first after its encode reports that it was not resident.</summary>
    public (ResidentImage Image, bool WasResident, int PrefilledPositions) Resolve(ImageSource source)
    {
        var image = resident.TryGetImage(source.Id)
            ?? throw new InvalidOperationException($"Image {source.Id} is not resident: admission waits for its encode.");
        if (_missOwed.Remove(source.Id)) return (image, false, prefix.Positions);
        counters.FeatureHit();
        return (image, true, 0);
    }

    /// <summary>Fails whoever still waits on an encode that will never land (the engine is stopping).</summary>
    public void Abandon(Exception error)
    {
        foreach (var encoding in _inFlight.Values)
            foreach (var done in encoding.Ensures) done.TrySetException(error);
        _inFlight.Clear();
    }
}
