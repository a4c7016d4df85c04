using Osprey.Engine.Serving;

namespace Osprey.Engine.Tests.Serving;

/// <summary>
/// A step's cost by rows: bucket averages joined by straight lines, extended by the last slope, never
/// decreasing, and moved together by how fast the machine runs now.
/// </summary>
public sealed class StepCostCurveTests
{
    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    [Fact]
    public void Nothing_is_estimated_before_a_step_and_one_bucket_is_flat()
    {
        var curve = new StepCostCurve();
        Assert.Null(curve.Estimate(1));
        curve.Observe(4, Ms(50));
        Assert.Equal(50, curve.Estimate(1));
        Assert.Equal(50, curve.Estimate(64));
        Assert.Equal(4, curve.MostRowsSeen);
    }

    [Fact]
    public void Between_buckets_it_interpolates_and_past_the_last_it_follows_the_last_slope()
    {
        var curve = new StepCostCurve();
        curve.Observe(1, Ms(74));
        curve.Observe(8, Ms(130));
        curve.Observe(32, Ms(190));
        Assert.Equal(74, curve.Estimate(1));
        Assert.Equal(82, curve.Estimate(2));
        Assert.Equal(130, curve.Estimate(8));
        Assert.Equal(160, curve.Estimate(20));
        Assert.Equal(270, curve.Estimate(64));
    }

    [Fact]
    public void A_bucket_that_measured_faster_than_a_smaller_one_counts_as_the_smaller()
    {
        var curve = new StepCostCurve();
        curve.Observe(1, Ms(100));
        curve.Observe(3, Ms(90));
        curve.Observe(8, Ms(150));
        Assert.Equal(100, curve.Estimate(3));
        Assert.Equal(100, curve.Estimate(2));
        Assert.True(curve.Estimate(6) > 100);
    }

    [Fact]
    public void Recent_steps_weigh_most()
    {
        var curve = new StepCostCurve();
        curve.Observe(1, Ms(100));
        for (var i = 0; i < 30; i++) curve.Observe(1, Ms(200));
        Assert.InRange(curve.Estimate(1)!.Value, 195, 200);
    }

    [Fact]
    public void Steps_running_slower_move_the_sizes_not_run_too_and_the_change_passes()
    {
        var curve = new StepCostCurve();
        for (var i = 0; i < 20; i++)
            foreach (var (rows, ms) in new[] { (1, 40.0), (2, 46.0), (4, 60.0), (8, 62.0), (12, 75.0), (19, 108.0), (42, 174.0) })
                curve.Observe(rows, Ms(ms));
        var quiet25 = curve.Estimate(25)!.Value;
        // A stretch in which the decodes, the only steps run, take 1.6 times as long: the sizes not run
        // are expected slower too (without the pace they would keep their quiet times).
        for (var i = 0; i < 12; i++) curve.Observe(1, Ms(64));
        Assert.InRange(curve.Estimate(1)!.Value, 60, 64);
        Assert.InRange(curve.Estimate(25)!.Value / quiet25, 1.15, 1.3);
        // The machine quiet again: back to the quiet times.
        for (var i = 0; i < 30; i++) curve.Observe(1, Ms(40));
        Assert.InRange(curve.Estimate(1)!.Value, 39, 41);
        Assert.InRange(curve.Estimate(25)!.Value / quiet25, 0.95, 1.02);
    }

    [Fact]
    public void A_size_seen_for_the_first_time_does_not_move_the_others()
    {
        var curve = new StepCostCurve();
        curve.Observe(1, Ms(40));
        curve.Observe(8, Ms(60));
        // The first 16-row step costs far more than the line through 8 rows guessed: that is its own cost.
        curve.Observe(16, Ms(200));
        Assert.Equal(40, curve.Estimate(1));
        Assert.Equal(60, curve.Estimate(8));
        Assert.Equal(200, curve.Estimate(16));
    }

    [Fact]
    public void Long_noisy_runs_of_one_size_keep_the_others_in_proportion()
    {
        var curve = new StepCostCurve();
        curve.Observe(8, Ms(120));
        var random = new Random(5);
        // Decodes of 1 to 101 ms, 50 on average, for 200,000 steps.
        for (var i = 0; i < 200_000; i++) curve.Observe(1, Ms(i % 2 == 0 ? 20 + 60 * random.NextDouble() : 100 * random.NextDouble() + 1));
        var one = curve.Estimate(1)!.Value;
        Assert.InRange(one, 20, 80);
        // The 8-row size, never seen again, stays about 2.4 times the decodes' usual time.
        Assert.InRange(curve.Estimate(8)!.Value / one, 1.5, 3.5);
    }
}
