using System.Diagnostics.Metrics;
using Osprey.Engine.Serving;
using OspreyCluster.Grains.Hosting;
using OspreyCluster.Grains.Placement;

namespace OspreyCluster.Grains.Metrics;

/// <summary>
/// This silo's engine counters and gauges as observable instruments of the <see cref="OspreyMeters.Silo"/>
/// meter, read from the engine when an exporter collects them and labelled with the silo. Created as the
/// silo starts (a lifecycle participant), gone with the silo's services.
/// </summary>
public sealed class SiloEngineInstruments : ILifecycleParticipant<ISiloLifecycle>
{
    public SiloEngineInstruments(IMeterFactory meters, SiloServingEngine serving, ILocalSiloDetails silo)
    {
        var meter = meters.Create(OspreyMeters.Silo);
        var label = new Lazy<KeyValuePair<string, object?>>(() => new(OspreyMeters.SiloLabel, SiloIdentity.Of(silo.SiloAddress)));

        void Counter(string name, string description, Func<ServingMetrics, long> value) =>
            meter.CreateObservableCounter(name, () => Read(value), description: description);
        void Gauge(string name, string description, Func<ServingMetrics, long> value) =>
            meter.CreateObservableGauge(name, () => Read(value), description: description);
        IEnumerable<Measurement<long>> Read(Func<ServingMetrics, long> value) =>
            serving.Running is { } engine ? [new Measurement<long>(value(engine.Metrics()), label.Value)] : [];

        // Counters are named without "_total": the Prometheus exporter appends it.
        Counter("osprey_silo_image_encodes", "Image encoder runs on this silo", m => m.ImageEncodes);
        Counter("osprey_silo_feature_copies", "Images made resident from their home silo's copy of the features (replicas), not encoded", m => m.FeatureCopies);
        Counter("osprey_silo_segmentation_encodes", "Segment Anything image-encoder runs on this silo", m => m.SegmentationEncodes);
        Counter("osprey_silo_feature_cache_hits", "Turns that found the image features resident", m => m.FeatureCacheHits);
        Counter("osprey_silo_feature_cache_misses", "Turns that had to (re)compute image features", m => m.FeatureCacheMisses);
        Counter("osprey_silo_kv_cache_hits", "Turns that reused a resident KV cache", m => m.KvCacheHits);
        Counter("osprey_silo_kv_cache_misses", "Turns that rebuilt their KV cache", m => m.KvCacheMisses);
        Counter("osprey_silo_evictions", "Features, SAM embeddings or KV caches evicted under the memory budget", m => m.Evictions);
        Counter("osprey_silo_prefilled_tokens", "Sequence positions run through prefill", m => m.PrefilledTokens);
        Counter("osprey_silo_generated_tokens", "Tokens generated", m => m.GeneratedTokens);
        Counter("osprey_silo_turns", "Sequences (conversation turns, completions, descriptions) finished", m => m.Sequences);
        Gauge("osprey_silo_bytes_resident", "Engine memory held by resident features, SAM embeddings and KV caches", m => m.BytesResident);
        Gauge("osprey_silo_active_sequences", "Sequences running or waiting for a batch slot", m => m.ActiveSequences);
        Gauge("osprey_silo_memory_budget_bytes", "Engine memory budget for features and KV caches", m => m.MemoryBudgetBytes);
    }

    // Participating only makes the silo create the instruments as it starts.
    public void Participate(ISiloLifecycle lifecycle)
    {
    }
}
