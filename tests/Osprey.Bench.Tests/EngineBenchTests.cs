using Osprey.Bench.Engine;
using Osprey.Engine;
using Osprey.Engine.Devices;

namespace Osprey.Bench.Tests;

/// <summary>
/// The engine bench on the tiny fixture model with the default shapes (a 1.1k-position first turn): a
/// model whose steps are fast takes many untimed decode steps before the timed ones, and those must stay
/// within its context; the batch-1 steps are also timed in turn with the read yardstick.
/// </summary>
public sealed class EngineBenchTests
{
    [Fact]
    public void The_tiny_model_is_timed_at_the_default_context_after_its_warm_up_steps()
    {
        using var engine = OspreyEngine.Load(FixturePaths.OspreyTiny, new EngineOptions { DType = "fp32" });
        var settings = new EngineBenchSettings { Repeat = 1 };

        var result = EngineBench.Run("osprey-tiny", engine.Model, settings, _ => { });

        Assert.Equal(settings.PrefillTokens, result.PrefillTokens);
        Assert.True(result.DecodeStepBatch1Ms > 0 && result.DecodeStepBatchedMs > 0);
        Assert.Equal(2, result.DecodeProfiles.Count);
        Assert.True(result.CachedFollowUpMs > 0 && result.NaiveFollowUpMs > result.CachedFollowUpMs);
        // Decode steps in turn with the read yardstick: one step time and one read rate per round.
        var beside = result.DecodeBesideRead!;
        Assert.Equal(settings.InterleavedRounds, beside.StepMs.Count);
        Assert.Equal(settings.InterleavedRounds, beside.ReadGBps.Count);
        Assert.All(beside.StepMs.Concat(beside.ReadGBps), v => Assert.True(v > 0 && double.IsFinite(v)));
        Assert.Equal(1e9 / (beside.StepMs[0] / 1000) / 1e9 / beside.ReadGBps[0], beside.Shares(1e9)[0], 12);
    }
}
