using Osprey.Engine.Serving;

namespace Osprey.Engine.Tests.Serving;

/// <summary>A step's cost by rows: bucket averages joined by straight lines, extended by the last slope, never decreasing.</summary>
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
        Assert.InRange(curve.Estimate(1)!.Value, 199, 200);
    }
}
