namespace Osprey.Engine.Serving;

/// <summary>
/// Counts sequences from their submission (any thread) until the loop takes them out of its waiting
/// queue (admitted, refused or cancelled), and refuses a submission past the bound. Counting from
/// submission, not from when the loop sees the command, keeps the bound while a long step runs.
/// </summary>
internal sealed class AdmissionQueueBound(int maxWaiting)
{
    private int _waiting;

    public int MaxWaiting { get; } = maxWaiting >= 1
        ? maxWaiting
        : throw new ArgumentOutOfRangeException(nameof(maxWaiting), maxWaiting, "at least one sequence must be able to wait");

    public int Waiting => Volatile.Read(ref _waiting);

    public void Enter()
    {
        if (Interlocked.Increment(ref _waiting) <= MaxWaiting) return;
        Interlocked.Decrement(ref _waiting);
        throw new EngineQueueFullException(MaxWaiting);
    }

    public void Leave() => Interlocked.Decrement(ref _waiting);
}
