using System.Runtime;

namespace Osprey.Bench.Cluster;

/// <summary>
/// The .NET runtime's own work in the bench process, as totals or the difference of two: garbage
/// collections by generation, the time they paused every managed thread, and the time spent compiling
/// methods (tiering up hot code runs on a background thread, on a core a step's threads may need). Set
/// beside the longest gap of a window, it says whether the runtime could have made it.
/// </summary>
public sealed record RuntimeWork(int Gen0, int Gen1, int Gen2, double GcPauseMs, long CompiledMethods, double CompilingMs)
{
    public static RuntimeWork Now() => new(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2),
        GC.GetTotalPauseDuration().TotalMilliseconds, JitInfo.GetCompiledMethodCount(), JitInfo.GetCompilationTime().TotalMilliseconds);

    public static RuntimeWork operator -(RuntimeWork after, RuntimeWork before) => new(after.Gen0 - before.Gen0, after.Gen1 - before.Gen1,
        after.Gen2 - before.Gen2, after.GcPauseMs - before.GcPauseMs, after.CompiledMethods - before.CompiledMethods, after.CompilingMs - before.CompilingMs);
}
