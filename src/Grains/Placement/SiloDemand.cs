namespace OspreyCluster.Grains.Placement;

/// <summary>
/// This silo's demand as placement weighs it: the conversations activated here (each one asks its
/// turns of this silo's engine). Conversations count themselves in and out as they activate and deactivate.
/// </summary>
public sealed class SiloDemand
{
    private int _conversations;

    public int Conversations => Volatile.Read(ref _conversations);

    public void ConversationActivated() => Interlocked.Increment(ref _conversations);

    public void ConversationDeactivated() => Interlocked.Decrement(ref _conversations);
}
