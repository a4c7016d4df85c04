using System.Diagnostics.Metrics;
using Osprey.Engine.Devices;
using Osprey.Engine.Language;
using Osprey.Engine.Serving;

namespace Osprey.Engine.Tests.Serving;

/// <summary>The serving loop records one first-token wait and one gap per further streamed token, every step and every slice of an image encode, on its host's meter.</summary>
public sealed class LatencyInstrumentsTests
{
    private sealed record Measurement(string Instrument, double Value, Dictionary<string, object?> Tags);

    [Fact]
    public async Task Every_streamed_token_and_every_step_is_recorded_with_the_hosts_labels()
    {
        using var meter = new Meter($"latency-test-{Guid.NewGuid():N}");
        var measurements = new List<Measurement>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, meter)) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            var copy = new Dictionary<string, object?>();
            foreach (var tag in tags) copy[tag.Key] = tag.Value;
            lock (measurements) measurements.Add(new Measurement(instrument.Name, value, copy));
        });
        listener.Start();

        var (pixels, regions) = TinyRegionQuestion.Case("p1_shapes_640x480");
        var image = ImageSource.FromPixels("latency", pixels);
        int[] generated;
        var engine = OspreyEngine.Load(FixturePaths.OspreyTiny, EngineOptions.Cpu32);
        var layers = engine.Config.Language.NumLayers;
        using (var serving = ServingEngine.Start(engine,
                   new ServingOptions { Latency = new LatencyInstruments(meter, new KeyValuePair<string, object?>("silo", "s1")) }))
        {
            // Two requests at once: their steps mix one's prompt with the other's decodes.
            var outcomes = await Task.WhenAll(
                serving.Complete(TinyRegionQuestion.Request(serving, image, regions, newTokens: 5)),
                serving.Complete(TinyRegionQuestion.Request(serving, image, regions, newTokens: 7)));
            generated = [.. outcomes.Select(o => o.GeneratedIds.Count)];
        }
        Assert.All(generated, count => Assert.True(count > 0, "the tiny model answered with nothing; the case cannot count tokens"));

        List<Measurement> Of(string name) => [.. measurements.Where(m => m.Instrument == name)];
        var first = Of(LatencyInstruments.TimeToFirstTokenName);
        var gaps = Of(LatencyInstruments.InterTokenGapName);
        var steps = Of(LatencyInstruments.StepDurationName);
        Assert.Equal(2, first.Count);
        Assert.Equal(generated.Sum() - 2, gaps.Count);
        // A token per sequence per step at most: the longer answer alone takes that many steps.
        Assert.True(steps.Count >= generated.Max(), $"{steps.Count} steps recorded for answers of {string.Join(", ", generated)} tokens");
        Assert.All(measurements, m => Assert.True(m.Value > 0 && m.Value < 600, $"{m.Instrument}: {m.Value} s"));
        Assert.All(measurements, m => Assert.Equal("s1", m.Tags["silo"]));
        var kinds = steps.Select(s => (string)s.Tags["kind"]!).ToHashSet();
        Assert.Subset(new HashSet<string> { "decode", "prefill", "mixed" }, kinds);
        Assert.Contains("decode", kinds);
        // A first token waits at least for the step that sampled it.
        Assert.All(first, f => Assert.True(f.Value >= steps.Min(s => s.Value)));
        // The one image was encoded once, slice by slice: its decode, its pixels and its prompt's embeddings
        // in one slice each, the vision encode and the prefix's prefill (a third of a decoder layer per slice) in several.
        var slices = Of(LatencyInstruments.EncodeSliceDurationName).GroupBy(m => (string)m.Tags["part"]!).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(1, slices["decode"]);
        Assert.Equal(1, slices["pixels"]);
        Assert.Equal(1, slices["prompt_embedding"]);
        Assert.True(slices["vision"] >= 2, $"{slices["vision"]} vision slices");
        var stages = layers * LlamaDecoderLayer.Stages;
        Assert.True(slices["prefix_prefill"] >= stages && slices["prefix_prefill"] % stages == 0, $"{slices["prefix_prefill"]} prefix slices for {layers} layers");
        Assert.Equal(5, slices.Count);
    }
}
