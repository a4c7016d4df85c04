namespace Osprey.Bench.Simulation;

/// <summary>
/// Simulated time for a cluster whose grains run for real: a queue of events in simulated milliseconds
/// (turn arrivals, engine step ends, kills) taken in order, and between them a wait until the real
/// work the last events started has settled (every turn in flight is parked in a simulated engine or
/// done, every event an engine released has reached its client). So the grains' own work takes no
/// simulated time, and simulated time runs as fast as the real calls allow.
/// </summary>
public sealed class SimulationClock
{
    private readonly PriorityQueue<Action, (double, long)> _events = new();
    private long _order;
    private int _busy;
    private TaskCompletionSource _idle = Settled();

    /// <summary>Every change to simulated state (engines, tickets, the queue) happens under this lock.</summary>
    public object Gate { get; } = new();

    public double NowMs { get; private set; }

    public void Schedule(double atMs, Action action)
    {
        lock (Gate) _events.Enqueue(action, (Math.Max(atMs, NowMs), _order++));
    }

    /// <summary>Real work began that simulated time must wait for.</summary>
    public void Begin()
    {
        lock (Gate)
            if (_busy++ == 0) _idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>That work settled.</summary>
    public void End()
    {
        TaskCompletionSource? idle = null;
        lock (Gate)
        {
            if (_busy <= 0) throw new InvalidOperationException("the simulation clock ended work it did not begin");
            if (--_busy == 0) idle = _idle;
        }
        idle?.TrySetResult();
    }

    /// <summary>
    /// Runs events until none are left and nothing is in flight. Events within <paramref name="windowMs"/> of the
    /// first one taken run together before the wait (the grains' calls overlap; replies land up to that late).
    /// </summary>
    /// <param name="stalled">Called when the real work has not settled for <paramref name="stallAfter"/> of wall time: a debt
    /// nothing will pay (a call lost with a killed silo) would otherwise stop simulated time for good.</param>
    public async Task RunAsync(double windowMs, Func<bool>? stop = null, TimeSpan? stallAfter = null, Action? stalled = null)
    {
        while (true)
        {
            Task idle;
            lock (Gate) idle = _idle.Task;
            if (stalled is null) await idle;
            else
                while (!idle.IsCompleted)
                    try
                    {
                        await idle.WaitAsync(stallAfter ?? TimeSpan.FromSeconds(30));
                    }
                    catch (TimeoutException)
                    {
                        stalled();
                    }
            lock (Gate)
            {
                if (_events.Count == 0)
                {
                    if (_busy == 0) return;
                    continue;
                }
                _events.TryPeek(out _, out var first);
                var until = first.Item1 + windowMs;
                while (_events.TryPeek(out var action, out var when) && when.Item1 <= until)
                {
                    _events.Dequeue();
                    NowMs = Math.Max(NowMs, when.Item1);
                    action();
                }
            }
            if (stop?.Invoke() == true) return;
        }
    }

    private static TaskCompletionSource Settled()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        done.SetResult();
        return done;
    }
}
