using System.Collections.Concurrent;

namespace Osprey.Bench.Simulation;

/// <summary>
/// One turn attempt's account with the <see cref="SimulationClock"/>: what is owed before simulated time
/// may move on (the call reaching its engine, each event the engine released reaching the client).
/// The client sends its id in the Orleans request context, so the engine the grains call finds it.
/// </summary>
public sealed class TurnTicket
{
    public const string ContextKey = "osprey.simulation.turn";

    private static long _next;
    private readonly SimulationClock _clock;
    private int _owed;
    private bool _closed;

    private TurnTicket(SimulationClock clock) => _clock = clock;

    public long Id { get; } = Interlocked.Increment(ref _next);

    /// <summary>A new attempt, owing its arrival at an engine.</summary>
    public static TurnTicket Open(SimulationClock clock, ConcurrentDictionary<long, TurnTicket> registry)
    {
        var ticket = new TurnTicket(clock);
        registry[ticket.Id] = ticket;
        ticket.Owe();
        return ticket;
    }

    public void Owe()
    {
        lock (_clock.Gate)
        {
            if (_closed) return;
            if (_owed++ == 0) _clock.Begin();
        }
    }

    public void Pay()
    {
        lock (_clock.Gate)
        {
            if (_closed || _owed == 0) return;
            if (--_owed == 0) _clock.End();
        }
    }

    /// <summary>The attempt ended (answered or failed): nothing more is owed for it.</summary>
    public void Close()
    {
        lock (_clock.Gate)
        {
            if (_closed) return;
            _closed = true;
            if (_owed > 0) _clock.End();
            _owed = 0;
        }
    }
}
