namespace Osprey.Engine.Serving;

/// <summary>How much one engine loop batches, queues and keeps resident.</summary>
public sealed record ServingOptions
{
    /// <summary>Most sequences one packed forward carries (prefill chunks and decode steps together).</summary>
    public int MaxBatchSize { get; init; } = 16;

    /// <summary>
    /// Most sequences submitted and not yet admitted into the batch. Past it the engine refuses at once
    /// (<see cref="EngineQueueFullException"/>) instead of holding unbounded work in memory.
    /// </summary>
    public int MaxWaitingSequences { get; init; } = 64;

    /// <summary>Budget for resident image features, prefix KV caches and conversation KV caches, in bytes.</summary>
    public long MemoryBudgetBytes { get; init; } = 4L * 1024 * 1024 * 1024;

    /// <summary>
    /// libtorch intra-op threads of the image encoder's thread, which runs beside the decode steps; null
    /// leaves libtorch's default (as many as the engine thread's).
    /// </summary>
    public int? EncodeThreads { get; init; }
}
