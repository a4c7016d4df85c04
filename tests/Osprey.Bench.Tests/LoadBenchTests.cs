using Osprey.Bench.Load;

namespace Osprey.Bench.Tests;

/// <summary>The load measurement scaled down: a few users on three in-process silos behind the gateway, with the default model.</summary>
public sealed class LoadBenchTests
{
    [Fact]
    public async Task Users_on_three_silos_get_every_turn_answered_within_the_queue_bound()
    {
        var settings = new LoadSettings { Users = 6, TurnsPerUser = 2, Images = 3, Silos = 3, NewTokensPerTurn = 8, ModelDirectory = RepositoryPaths.DefaultModel };
        var load = await LoadBench.RunAsync(settings, _ => { });

        Assert.Equal(0, load.Errors);
        Assert.Empty(load.ErrorsByStatus);
        Assert.Equal(12, load.TurnsCompleted);
        Assert.Equal(3, load.Silos);
        Assert.Equal(12, load.TtftMs.Count);
        Assert.Equal(6, load.FollowUpTtftMs.Count);
        Assert.True(load.TtftMs.P50 > 0 && load.TtftMs.P50 <= load.TtftMs.P99 && load.TtftMs.P99 <= load.TtftMs.Max);
        Assert.InRange(load.GeneratedTokens, 12, 12 * 8);
        Assert.True(load.TokensPerSecond > 0);
        Assert.InRange(load.MaxQueueDepth, 0, load.QueueBound);
        Assert.InRange(load.MaxBytesResident, 1, load.MemoryBudgetBytes);
        // Each image is encoded once, on the silo its conversations follow it to.
        Assert.Equal(3, load.ImageEncodes);
        Assert.Equal(12, load.TurnsBySilo.Values.Sum());
    }
}
