using System.Diagnostics;
using System.Threading.Channels;

namespace Osprey.Engine.Serving;

/// <summary>A submitted request and the channel its tokens stream back through.</summary>
internal sealed class PendingSequence(SequenceRequest request, ChannelWriter<SequenceEvent> events)
{
    private volatile bool _cancelled;

    public SequenceRequest Request { get; } = request;
    public ChannelWriter<SequenceEvent> Events { get; } = events;

    /// <summary>When the request was submitted (a <see cref="Stopwatch"/> timestamp): its first token's wait counts from here.</summary>
    public long SubmittedAt { get; } = Stopwatch.GetTimestamp();

    /// <summary>Set from any thread; the engine loop drops the sequence at its next iteration.</summary>
    public bool Cancelled => _cancelled;

    public void Cancel() => _cancelled = true;
}
