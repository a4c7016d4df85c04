using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Osprey.Engine.Serving;
using OspreyCluster.Grains.Interfaces;

namespace OspreyCluster.Grains.Hosting;

/// <summary>
/// This silo's engine: starts it (<see cref="ISequenceEngineSource"/>: the model) while the silo starts (before it takes grain activations) and
/// stops the engine loop when the silo stops. A stopping silo first lets the turns running on it
/// finish (drain), bounded by the silo's shutdown timeout, while it still serves their streams.
/// </summary>
public sealed class SiloServingEngine(IOptions<OspreyClusterOptions> options, ISequenceEngineSource source, ILogger<SiloServingEngine> logger)
    : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private ISequenceEngine? _engine;
    private int _runningTurns;
    private volatile bool _draining;

    public ISequenceEngine Engine => _engine ?? throw new InvalidOperationException("The engine is not loaded yet.");

    /// <summary>The engine while it runs; null before it is loaded and after the silo stopped it.</summary>
    public ISequenceEngine? Running => _engine;

    public OspreyClusterOptions Options => options.Value;

    /// <summary>The served model's name: its directory's, as clients of the OpenAI-compatible API see it.</summary>
    public string ModelName => Path.GetFileName(Path.TrimEndingDirectorySeparator(Options.ResolveModelDirectory()));

    public void Participate(ISiloLifecycle lifecycle)
    {
        lifecycle.Subscribe(nameof(SiloServingEngine), ServiceLifecycleStage.RuntimeServices, Start, Stop);
        // Active is the first stage a stopping silo leaves: grains and messaging still work there.
        lifecycle.Subscribe(nameof(SiloServingEngine) + ".Drain", ServiceLifecycleStage.Active, _ => Task.CompletedTask, Drain);
    }

    /// <summary>
    /// Counts a turn as running until the returned handle is disposed, so a stopping silo waits for it;
    /// a stopping silo takes no new turn (503: the retry goes to a silo that stays).
    /// </summary>
    public IDisposable BeginTurn()
    {
        if (_draining) throw new OspreyRequestException(503, "this silo is stopping; retry the request", retryAfterSeconds: 1);
        Interlocked.Increment(ref _runningTurns);
        return new RunningTurn(this);
    }

    private sealed class RunningTurn(SiloServingEngine owner) : IDisposable
    {
        private int _ended;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _ended, 1) == 0) Interlocked.Decrement(ref owner._runningTurns);
        }
    }

    private async Task Drain(CancellationToken cancellationToken)
    {
        _draining = true;
        var started = Environment.TickCount64;
        var running = Volatile.Read(ref _runningTurns);
        if (running == 0) return;
        logger.LogInformation("Draining: {Running} turns running", running);
        try
        {
            while (Volatile.Read(ref _runningTurns) > 0)
                await Task.Delay(50, cancellationToken);
            logger.LogInformation("Drained in {Milliseconds} ms", Environment.TickCount64 - started);
        }
        catch (OperationCanceledException)
        {
            logger.LogWarning("Shutdown timeout reached with {Running} turns still running", Volatile.Read(ref _runningTurns));
        }
    }

    private async Task Start(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (settings.TurnDeadline <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(settings.TurnDeadline), settings.TurnDeadline, "Osprey:TurnDeadline must be positive");
        _engine = await source.StartAsync(settings, cancellationToken);
        logger.LogInformation("Osprey engine ready: budget {Budget} bytes, batch {Batch} sequences / {Tokens} positions, at most {Waiting} waiting, turn deadline {Deadline}",
            settings.MemoryBudgetBytes, settings.MaxBatchSize, settings.MaxBatchedTokens, settings.MaxWaitingSequences, settings.TurnDeadline);
    }

    private Task Stop(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        Interlocked.Exchange(ref _engine, null)?.Dispose();
    }
}
