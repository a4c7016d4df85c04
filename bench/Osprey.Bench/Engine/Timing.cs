using System.Diagnostics;

namespace Osprey.Bench.Engine;

/// <summary>Wall-clock timings in milliseconds. The best of several runs is the least disturbed by other load.</summary>
public static class Timing
{
    public static double Once(Action action)
    {
        var watch = Stopwatch.StartNew();
        action();
        return watch.Elapsed.TotalMilliseconds;
    }

    /// <summary>
    /// The median of <paramref name="count"/> timed runs (no warm-up): for a repeated step, where one run
    /// slowed by another tenant of the machine must not move the figure, and the llama.cpp peer's steps
    /// are summarised the same way.
    /// </summary>
    public static double Median(int count, Action action) =>
        MedianOf(Enumerable.Range(0, Math.Max(1, count)).Select(_ => Once(action)));

    /// <summary>The median of timings already taken (the mean of the middle two for an even count).</summary>
    public static double MedianOf(IEnumerable<double> times)
    {
        var sorted = times.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /// <summary>One untimed warm-up, then the fastest of <paramref name="repeat"/> timed runs.</summary>
    public static double Best(int repeat, Action action)
    {
        action();
        var best = double.PositiveInfinity;
        for (var i = 0; i < Math.Max(1, repeat); i++) best = Math.Min(best, Once(action));
        return best;
    }
}
