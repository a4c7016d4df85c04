using Osprey.Bench.Simulation;

namespace Osprey.Bench.Tests;

/// <summary>
/// The simulation scaled down: three real silos over a real Redis with the H100 cost model, one of
/// them killed mid-run. Every turn is answered in the end, each image is encoded once plus only the
/// re-encodes after the kill, and follow-ups find their conversation's cache.
/// </summary>
public sealed class ClusterSimulationTests
{
    [Fact]
    public async Task A_killed_silo_costs_retries_and_re_encodes_but_no_turn()
    {
        var settings = new SimulationSettings { Silos = 3, Images = 12, Conversations = 40, Turns = 3, KillSilos = 1, Seed = 3 };
        var run = await ClusterSimulation.RunAsync(settings, CostModel.H100, RepositoryPaths.DefaultModel, _ => { });

        Assert.Equal(0, run.LostTurns);
        Assert.Equal(40 * 3, run.Turns);
        Assert.Equal(1, run.KilledSilos);
        Assert.InRange(run.ImagesUsed, 1, 12);
        // Each image used at least once, and at most once more (one silo of three died).
        Assert.InRange(run.Encodes, run.ImagesUsed, 2 * run.ImagesUsed);
        Assert.True(run.ThroughputTurnsPerSecond > 0);
        // A follow-up prefills its new text only; a first turn prefills the image's ~1,100 positions (27 ms modelled) at least.
        Assert.True(run.FollowUpTtftMs.P50 < run.TtftMs.P99, $"follow-up p50 {run.FollowUpTtftMs.P50} ms, all turns p99 {run.TtftMs.P99} ms");
        Assert.True(run.SiloLoad.MaxOverMean >= 1 && run.SiloLoad.Mean > 0);
    }
}
