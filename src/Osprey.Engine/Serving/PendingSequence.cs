using System.Threading.Channels;

namespace Osprey.Engine.Serving;

/// <summary>A submitted request and the channel its tokens stream back through.</summary>
internal sealed class PendingSequence(SequenceRequest request, ChannelWriter<SequenceEvent> events)
{
    private volatile bool _cancelled;

    public SequenceRequest Request { get; } = request;
    public ChannelWriter<SequenceEvent> Events { get; } = events;

    /// <summary>Set from any thread; the engine loop drops the sequence at its next iteration.</summary>
    public bool Cancelled => _cancelled;

    public void Cancel() => _cancelled = true;
}
