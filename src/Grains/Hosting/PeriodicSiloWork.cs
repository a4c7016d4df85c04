namespace OspreyCluster.Grains.Hosting;

/// <summary>
/// Work a silo does every <see cref="Interval"/> while it is active, off the grain scheduler: started when
/// the silo becomes active, cancelled and awaited as it stops, then <see cref="OnStoppedAsync"/> once.
/// </summary>
public abstract class PeriodicSiloWork : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;

    protected abstract TimeSpan Interval { get; }

    /// <summary>Whether the first run comes at once rather than after one interval.</summary>
    protected virtual bool RunsAtStart => false;

    /// <summary>Cancelled when the silo stops; work waiting on a remote answer should not outlive it.</summary>
    protected CancellationToken Stopping => _stopping.Token;

    /// <summary>One run. What it throws (other than the stop's cancellation) it must handle itself.</summary>
    protected abstract Task RunOnceAsync();

    protected virtual Task OnStoppedAsync() => Task.CompletedTask;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(GetType().Name, ServiceLifecycleStage.Active, Start, Stop);

    private Task Start(CancellationToken cancellationToken)
    {
        _loop = Task.Run(Loop);
        return Task.CompletedTask;
    }

    private async Task Stop(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _loop;
        await OnStoppedAsync();
    }

    private async Task Loop()
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            if (RunsAtStart) await RunOnceAsync();
            while (await timer.WaitForNextTickAsync(_stopping.Token)) await RunOnceAsync();
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
    }
}
