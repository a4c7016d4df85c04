namespace Osprey.Engine.Serving;

/// <summary>Monotonic counters of one engine loop; written on the engine thread, read from anywhere.</summary>
public sealed class ServingCounters
{
    private long _imageEncodes, _featureCopies, _segmentationEncodes, _featureHits, _featureMisses, _kvHits, _kvMisses, _evictions;
    private long _prefilledTokens, _generatedTokens, _sequences, _bytesResident, _activeSequences, _encodeTurns, _encodeOverlaps;

    internal void ImageEncoded() => Interlocked.Increment(ref _imageEncodes);
    internal void FeaturesCopied() => Interlocked.Increment(ref _featureCopies);
    internal void SegmentationEncoded() => Interlocked.Increment(ref _segmentationEncodes);
    internal void FeatureHit() => Interlocked.Increment(ref _featureHits);
    internal void FeatureMiss() => Interlocked.Increment(ref _featureMisses);
    internal void KvHit() => Interlocked.Increment(ref _kvHits);
    internal void KvMiss() => Interlocked.Increment(ref _kvMisses);
    internal void Evicted() => Interlocked.Increment(ref _evictions);
    internal void EncodeTurnLent() => Interlocked.Increment(ref _encodeTurns);
    internal void EncodeSliceOverlappedStep() => Interlocked.Increment(ref _encodeOverlaps);
    internal void Prefilled(int positions) => Interlocked.Add(ref _prefilledTokens, positions);
    internal void Generated(int tokens) => Interlocked.Add(ref _generatedTokens, tokens);
    internal void SequenceFinished() => Interlocked.Increment(ref _sequences);
    internal void SetBytesResident(long bytes) => Interlocked.Exchange(ref _bytesResident, bytes);
    internal void SetActiveSequences(int count) => Interlocked.Exchange(ref _activeSequences, count);

    public long BytesResident => Interlocked.Read(ref _bytesResident);
    public long ImageEncodes => Interlocked.Read(ref _imageEncodes);

    /// <summary>Images whose Segment Anything embedding was computed (once per image while it stays resident).</summary>
    public long SegmentationEncodes => Interlocked.Read(ref _segmentationEncodes);

    public ServingMetrics Snapshot(long memoryBudgetBytes) => new()
    {
        ImageEncodes = Interlocked.Read(ref _imageEncodes),
        FeatureCopies = Interlocked.Read(ref _featureCopies),
        SegmentationEncodes = Interlocked.Read(ref _segmentationEncodes),
        FeatureCacheHits = Interlocked.Read(ref _featureHits),
        FeatureCacheMisses = Interlocked.Read(ref _featureMisses),
        KvCacheHits = Interlocked.Read(ref _kvHits),
        KvCacheMisses = Interlocked.Read(ref _kvMisses),
        Evictions = Interlocked.Read(ref _evictions),
        BytesResident = Interlocked.Read(ref _bytesResident),
        MemoryBudgetBytes = memoryBudgetBytes,
        PrefilledTokens = Interlocked.Read(ref _prefilledTokens),
        GeneratedTokens = Interlocked.Read(ref _generatedTokens),
        Sequences = Interlocked.Read(ref _sequences),
        ActiveSequences = Interlocked.Read(ref _activeSequences),
        EncodeTurns = Interlocked.Read(ref _encodeTurns),
        EncodeSlicesOverlappingSteps = Interlocked.Read(ref _encodeOverlaps),
        ComputeChunksTakenOver = Layers.ComputeTeam.Shared.ChunksTakenOver,
    };
}
