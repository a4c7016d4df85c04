namespace Osprey.Engine.Serving;

/// <summary>
/// The engine already has as many sequences waiting for admission as it may hold; nothing of this one
/// was queued or computed, so submitting it again later is safe.
/// </summary>
public sealed class EngineQueueFullException(int maxWaiting)
    : Exception($"the engine already has {maxWaiting} sequences waiting for a batch slot; retry shortly")
{
    public int MaxWaiting { get; } = maxWaiting;
}
