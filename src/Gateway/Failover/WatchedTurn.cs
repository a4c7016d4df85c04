using OspreyCluster.Grains.Interfaces;

namespace OspreyCluster.Gateway.Failover;

/// <summary>
/// A turn's events as the gateway reads them. The turn opens by naming the silo running it
/// (<see cref="TurnEvent.RunningOn"/>); from then on it ends as soon as membership declares that silo dead
/// (before it names one, when any silo dies), with <see cref="SiloLostException"/>, rather than at the response timeout.
/// The announcement itself is not passed on. Disposing the turn (or the client leaving) cancels it on its silo.
/// </summary>
public sealed class WatchedTurn : IAsyncDisposable
{
    private readonly SiloDeathWatch _watch;
    private readonly CancellationToken _aborted;
    private readonly CancellationTokenSource _cancel;
    private readonly IAsyncEnumerator<TurnEvent> _events;
    private CancellationTokenRegistration _death;
    private volatile bool _lost;
    private string? _silo;

    private WatchedTurn(SiloDeathWatch watch, Func<CancellationToken, IAsyncEnumerable<TurnEvent>> ask, CancellationToken aborted)
    {
        _watch = watch;
        _aborted = aborted;
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        _death = watch.NextDeath().Register(Lose);
        _events = ask(_cancel.Token).GetAsyncEnumerator(_cancel.Token);
    }

    /// <param name="ask">Starts the grain call with the token that cancels it.</param>
    public static WatchedTurn Start(SiloDeathWatch watch, Func<CancellationToken, IAsyncEnumerable<TurnEvent>> ask, CancellationToken aborted) =>
        new(watch, ask, aborted);

    /// <summary>The next text piece or the result; null when the events ended.</summary>
    public async ValueTask<TurnEvent?> NextAsync()
    {
        while (true)
        {
            bool more;
            try
            {
                more = await _events.MoveNextAsync();
            }
            catch (Exception) when (_lost && !_aborted.IsCancellationRequested)
            {
                throw new SiloLostException(_silo);
            }
            if (!more) return null;
            var item = _events.Current;
            if (!item.IsAnnouncement) return item;
            Watch(item.Silo!);
        }
    }

    private void Watch(string silo)
    {
        _silo = silo;
        _death.Dispose();
        _death = _watch.DeathOf(silo).Register(Lose);
    }

    private void Lose()
    {
        _lost = true;
        _cancel.Cancel();
    }

    public async ValueTask DisposeAsync()
    {
        _death.Dispose();
        if (_lost)
        {
            // A dead silo took the turn's enumerator with it: a dispose sent there would only wait out the
            // response timeout, and hold the client's error meanwhile. A turn lost before it named its silo may
            // still run on a live one: it is cancelled there already, and disposed without waiting.
            if (_silo is null) _ = DisposeUnawaitedAsync(_events.DisposeAsync().AsTask());
            return;
        }
        // The silo can die after the turn's last event and before this dispose reaches it: then the dispose
        // waits out the response timeout, and holds the client's finished answer as long. So it is waited
        // for only while membership holds the silo alive.
        var disposing = _events.DisposeAsync().AsTask();
        var death = _silo is null ? _watch.NextDeath() : _watch.DeathOf(_silo);
        try
        {
            await disposing.WaitAsync(death);
            _cancel.Dispose();
        }
        catch (OperationCanceledException) when (death.IsCancellationRequested && !disposing.IsCompleted)
        {
            _ = DisposeUnawaitedAsync(disposing);
        }
    }

    private static async Task DisposeUnawaitedAsync(Task disposing)
    {
        try
        {
            await disposing;
        }
        catch (Exception)
        {
            // Nothing waits for it; Orleans logs a dispose that failed.
        }
    }
}
