namespace Osprey.Engine.Serving;

/// <summary>How much one engine loop batches and keeps resident.</summary>
public sealed record ServingOptions
{
    /// <summary>Most sequences one packed forward carries (prefill chunks and decode steps together).</summary>
    public int MaxBatchSize { get; init; } = 16;

    /// <summary>Budget for resident image features, prefix KV caches and conversation KV caches, in bytes.</summary>
    public long MemoryBudgetBytes { get; init; } = 4L * 1024 * 1024 * 1024;
}
