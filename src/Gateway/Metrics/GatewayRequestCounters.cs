using System.Collections.Concurrent;

namespace OspreyCluster.Gateway.Metrics;

/// <summary>Requests this gateway answered, by method, route template and status code.</summary>
public sealed class GatewayRequestCounters
{
    private readonly ConcurrentDictionary<(string Method, string Route, int Status), long> counts = new();
    private long inFlight;

    public void Record(string method, string route, int status) =>
        counts.AddOrUpdate((method, route, status), 1, (_, n) => n + 1);

    public void Started() => Interlocked.Increment(ref inFlight);
    public void Finished() => Interlocked.Decrement(ref inFlight);
    public long InFlight => Interlocked.Read(ref inFlight);

    public IReadOnlyList<KeyValuePair<(string Method, string Route, int Status), long>> Snapshot() =>
        counts.OrderBy(c => c.Key.Route, StringComparer.Ordinal).ThenBy(c => c.Key.Method, StringComparer.Ordinal).ThenBy(c => c.Key.Status).ToList();
}
