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

    /// <summary>One untimed warm-up, then the fastest of <paramref name="repeat"/> timed runs.</summary>
    public static double Best(int repeat, Action action)
    {
        action();
        var best = double.PositiveInfinity;
        for (var i = 0; i < Math.Max(1, repeat); i++) best = Math.Min(best, Once(action));
        return best;
    }
}
