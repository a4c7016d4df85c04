using OspreyCluster.Grains.Interfaces;

namespace OspreyCluster.Gateway.Metrics;

/// <summary>
/// The /metrics page: the cluster-wide encode total (summed over silos by the cluster metrics grain),
/// each silo's engine counters and gauges, and this gateway's request counters.
/// </summary>
public static class MetricsExposition
{
    public static string Render(ClusterMetrics? cluster, GatewayRequestCounters gateway)
    {
        var prom = new PrometheusTextWriter();

        prom.Family("osprey_cluster_metrics_up", "gauge", "1 when the cluster metrics grain answered for this scrape, else 0");
        prom.Sample("osprey_cluster_metrics_up", cluster is null ? 0 : 1);

        if (cluster is not null)
        {
            prom.Family("osprey_image_encodes_total", "counter", "Image encoder runs, summed over all silos");
            prom.Sample("osprey_image_encodes_total", cluster.ImageEncodesTotal);
            prom.Family("osprey_silos", "gauge", "Silos that reported engine metrics");
            prom.Sample("osprey_silos", cluster.Silos.Count);

            PerSilo(prom, cluster, "osprey_silo_image_encodes_total", "counter", "Image encoder runs on this silo", s => s.ImageEncodes);
            PerSilo(prom, cluster, "osprey_silo_feature_cache_hits_total", "counter", "Turns that found the image features resident", s => s.FeatureCacheHits);
            PerSilo(prom, cluster, "osprey_silo_feature_cache_misses_total", "counter", "Turns that had to (re)compute image features", s => s.FeatureCacheMisses);
            PerSilo(prom, cluster, "osprey_silo_kv_cache_hits_total", "counter", "Turns that reused a resident KV cache", s => s.KvCacheHits);
            PerSilo(prom, cluster, "osprey_silo_kv_cache_misses_total", "counter", "Turns that rebuilt their KV cache", s => s.KvCacheMisses);
            PerSilo(prom, cluster, "osprey_silo_evictions_total", "counter", "Features or KV caches evicted under the memory budget", s => s.Evictions);
            PerSilo(prom, cluster, "osprey_silo_bytes_resident", "gauge", "Engine memory held by resident features and KV caches", s => s.BytesResident);
            PerSilo(prom, cluster, "osprey_silo_active_sequences", "gauge", "Sequences running or waiting for a batch slot", s => s.ActiveSequences);
            PerSilo(prom, cluster, "osprey_silo_memory_budget_bytes", "gauge", "Engine memory budget for features and KV caches", s => s.MemoryBudgetBytes);
            PerSilo(prom, cluster, "osprey_silo_prefilled_tokens_total", "counter", "Sequence positions run through prefill", s => s.PrefilledTokens);
            PerSilo(prom, cluster, "osprey_silo_generated_tokens_total", "counter", "Tokens generated", s => s.GeneratedTokens);
            PerSilo(prom, cluster, "osprey_silo_turns_total", "counter", "Conversation turns completed", s => s.Turns);
        }

        prom.Family("osprey_gateway_requests_total", "counter", "HTTP requests answered by this gateway");
        foreach (var (key, count) in gateway.Snapshot())
            prom.Sample("osprey_gateway_requests_total", count, ("method", key.Method), ("route", key.Route), ("status", key.Status.ToString()));
        prom.Family("osprey_gateway_requests_in_flight", "gauge", "HTTP requests in progress on this gateway (this scrape included)");
        prom.Sample("osprey_gateway_requests_in_flight", gateway.InFlight);

        return prom.ToString();
    }

    private static void PerSilo(PrometheusTextWriter prom, ClusterMetrics cluster, string name, string type, string help, Func<SiloEngineMetrics, long> value)
    {
        prom.Family(name, type, help);
        foreach (var silo in cluster.Silos)
            prom.Sample(name, value(silo), ("silo", silo.Silo));
    }
}
