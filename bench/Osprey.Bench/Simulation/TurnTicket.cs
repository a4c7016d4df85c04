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

    /// <summary>What the last debt was for (the engine and the event), to tell a debt nothing will pay.</summary>
    public string LastOwed { get; private set; } = "arrival";

    /// <summary>Owed and not yet paid; a stalled clock reports these.</summary>
    public bool InDebt { get { lock (_clock.Gate) return _owed > 0 && !_closed; } }

    private TurnTicket(SimulationClock clock) => _clock = clock;

    public long Id { get; } = Interlocked.Increment(ref _next);

    /// <summary>A new attempt, owing its arrival at an engine.</summary>
    public static TurnTicket Open(SimulationClock clock, ConcurrentDictionary<long, TurnTicket> registry)
    {
        var ticket = new TurnTicket(clock);
        registry[ticket.Id] = ticket;
        ticket.Owe("arrival");
        return ticket;
    }

    public void Owe(string what)
    {
        lock (_clock.Gate)
        {
            if (_closed) return;
            LastOwed = what;
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

    /// <summary>
    /// What the ticket owes is written off: simulated time goes on without it (a stalled clock's last resort, counted).
    /// The attempt itself goes on; its later events are owed nothing.
    /// </summary>
    public void WriteOff() => Close();

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
