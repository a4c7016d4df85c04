using Osprey.Bench.Simulation;

namespace Osprey.Bench.Tests;

/// <summary>
/// The simulation scaled down: a few real silos over a real Redis with the H100 cost model. With one
/// of three killed mid-run every turn is answered in the end, each image is encoded once plus only the
/// re-encodes after the kill, and follow-ups find their conversation's cache; a single hot image is
/// spread over every silo by copies of its features.
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

    [Fact]
    public async Task One_image_asked_about_by_every_conversation_is_served_by_every_silo_from_copies_of_its_one_encode()
    {
        // Without replicas its home silo would serve all 480 turns (max / mean 4 over 4 silos). The load board is read
        // every 100 ms of wall time: simulated time runs faster than that here, and placement goes by the board.
        var settings = new SimulationSettings
        {
            Silos = 4, Images = 1, Conversations = 120, Turns = 4, Seed = 5, Load = 0.3, LoadReportInterval = TimeSpan.FromMilliseconds(100),
        };
        var run = await ClusterSimulation.RunAsync(settings, CostModel.H100, RepositoryPaths.DefaultModel, _ => { });

        Assert.Equal(0, run.LostTurns);
        Assert.Equal(1, run.ImagesUsed);
        Assert.Equal(1, run.Encodes);
        // One copy for each silo that took a replica (two at least, for max / mean to stay within 1.5), never an encode.
        Assert.InRange(run.FeatureCopies, 2, 3);
        Assert.True(run.SiloLoad.MaxOverMean <= 1.5, $"silo load max / mean {run.SiloLoad.MaxOverMean:F2} ({run.SiloLoad.Max} / {run.SiloLoad.Mean:F0})");
    }
}
