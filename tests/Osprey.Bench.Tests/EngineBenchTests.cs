using Osprey.Bench.Engine;
using Osprey.Engine;
using Osprey.Engine.Devices;

namespace Osprey.Bench.Tests;

/// <summary>
/// The engine bench on the tiny fixture model with the default shapes (a 1.1k-position first turn): a
/// model whose steps are fast takes many untimed decode steps before the timed ones, and those must stay
/// within its context.
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
    }
}
