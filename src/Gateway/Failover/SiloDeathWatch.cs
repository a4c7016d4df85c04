using OspreyCluster.Grains.Hosting;
using OspreyCluster.Grains.Placement;

namespace OspreyCluster.Gateway.Failover;

/// <summary>
/// The silos the cluster's membership has declared dead, as cancellation tokens. A silo breaks its own
/// calls to a silo at once when membership declares it dead, but an Orleans client (this gateway, when the
/// cluster is clustered through Redis) is never told: its calls to a killed silo would wait out the whole
/// response timeout. So the gateway reads the membership table the silos vote in, every
/// <see cref="Interval"/>, and ends what it waits for from a silo as soon as the table says it is dead.
/// In the embedded default the gateway is a silo itself and Orleans breaks those calls; nothing is polled.
/// </summary>
public sealed class SiloDeathWatch(IServiceProvider services, OspreyHostPlan plan, ILogger<SiloDeathWatch> logger) : BackgroundService
{
    /// <summary>Small beside the time membership takes to declare a silo dead (ProbeTimeout × MissedProbesLimit), and one Redis read.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, CancellationTokenSource> _watched = [];
    private HashSet<string> _dead = [];
    private CancellationTokenSource _nextDeath = new();

    /// <summary>Cancelled once membership declares <paramref name="silo"/> (a silo identity) dead; already cancelled if it has.</summary>
    public CancellationToken DeathOf(string silo)
    {
        lock (_gate)
        {
            if (_dead.Contains(silo)) return new CancellationToken(canceled: true);
            if (!_watched.TryGetValue(silo, out var death)) _watched[silo] = death = new CancellationTokenSource();
            return death.Token;
        }
    }

    /// <summary>
    /// Cancelled when membership next declares a silo dead that did not stop by itself (the others voted it
    /// dead): for a call whose silo is not known yet. A silo that stops gracefully answers what it runs first.
    /// </summary>
    public CancellationToken NextDeath()
    {
        lock (_gate) return _nextDeath.Token;
    }

    /// <summary>Awaits a call to a grain on <paramref name="silo"/>, ending with <see cref="SiloLostException"/> if the silo is declared dead first.</summary>
    public async Task<T> Awaiting<T>(string silo, Task<T> call)
    {
        try
        {
            return await call.WaitAsync(DeathOf(silo));
        }
        catch (OperationCanceledException) when (!call.IsCompleted)
        {
            throw new SiloLostException(silo);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (plan.HostsSilo) return;
        // Registered by the client's Redis clustering, and initialized as the client connected (this service starts after it).
        if (services.GetService<IMembershipTable>() is not { } table)
        {
            logger.LogWarning("No membership table to watch: calls to a silo that dies end at the response timeout");
            return;
        }
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    Update(await table.ReadAllAsync(stoppingToken));
                }
                catch (Exception failure)
                {
                    // Redis unreachable: nothing new can be declared dead meanwhile either.
                    logger.LogDebug(failure, "Could not read the membership table");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void Update(MembershipTableData table)
    {
        var entries = table.Members.Select(m => m.Item1).Where(entry => entry.Status == SiloStatus.Dead).ToList();
        var dead = entries.Select(entry => SiloIdentity.Of(entry.SiloAddress)).ToHashSet();
        var ended = new List<CancellationTokenSource>();
        lock (_gate)
        {
            var newly = entries.Where(entry => !_dead.Contains(SiloIdentity.Of(entry.SiloAddress))).ToList();
            // The table drops long-dead silos itself (after DefunctSiloExpiration), and so does this set.
            _dead = dead;
            foreach (var entry in newly)
            {
                var silo = SiloIdentity.Of(entry.SiloAddress);
                if (_watched.Remove(silo, out var death)) ended.Add(death);
                logger.LogWarning("Membership declared silo {Silo} dead: ending the calls waiting on it", silo);
            }
            if (newly.Any(VotedDeadByOthers))
            {
                ended.Add(_nextDeath);
                _nextDeath = new CancellationTokenSource();
            }
        }
        // Not disposed: tokens already handed out stay readable (no timer holds resources).
        foreach (var death in ended) death.Cancel();
    }

    /// <summary>It died, rather than stopped: a silo that stops marks itself dead, naming only itself as the suspecter.</summary>
    private static bool VotedDeadByOthers(MembershipEntry entry) =>
        entry.SuspectTimes?.Any(vote => !vote.Item1.Equals(entry.SiloAddress)) == true;
}
