namespace Osprey.Bench.Cluster;

/// <summary>
/// CPU time of each thread of the bench process, as totals or the difference of two: over a window it
/// shows which threads had the cores (the engine loop, its compute team, the image encoder and their
/// OpenMP workers, the thread pool, the JIT) when a step ran slow. The time is the scheduler's own, in
/// nanoseconds (<c>/proc/self/task/*/schedstat</c>): the user and system times of <c>stat</c> count
/// 10 ms clock ticks, so in a turn of a few milliseconds every thread could show none. Threads keep the
/// name of the thread that started them (OpenMP workers included), cut to 15 bytes.
/// </summary>
public sealed class ThreadCpuTimes
{
    // Clock ticks in /proc's stat: USER_HZ, 100 on Linux.
    private const long NsPerTick = 10_000_000;

    private readonly Dictionary<string, (string Name, long Ns)> _threads;

    private ThreadCpuTimes(Dictionary<string, (string Name, long Ns)> threads) => _threads = threads;

    /// <summary>Now, for every thread; empty where /proc is not there.</summary>
    public static ThreadCpuTimes Now()
    {
        var threads = new Dictionary<string, (string, long)>();
        if (!Directory.Exists("/proc/self/task")) return new ThreadCpuTimes(threads);
        foreach (var directory in Directory.GetDirectories("/proc/self/task"))
        {
            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                int open = stat.IndexOf('('), close = stat.LastIndexOf(')');
                threads[Path.GetFileName(directory)] = (stat[(open + 1)..close], CpuNs(directory, stat[(close + 2)..]));
            }
            catch (IOException)
            {
                // The thread ended between listing and reading.
            }
        }
        return new ThreadCpuTimes(threads);
    }

    private static long CpuNs(string directory, string statAfterName)
    {
        var schedstat = Path.Combine(directory, "schedstat");
        if (File.Exists(schedstat)) return long.Parse(File.ReadAllText(schedstat).Split(' ')[0]);
        // Fields 14 and 15 of stat (utime, stime) are the 12th and 13th after the name.
        var fields = statAfterName.Split(' ');
        return (long.Parse(fields[11]) + long.Parse(fields[12])) * NsPerTick;
    }

    /// <summary>The <paramref name="top"/> threads that used the most CPU since <paramref name="before"/>, in ms.</summary>
    public IReadOnlyList<ThreadCpu> Since(ThreadCpuTimes before, int top) =>
        [.. _threads.Select(t => new ThreadCpu(t.Value.Name, (t.Value.Ns - (before._threads.TryGetValue(t.Key, out var b) ? b.Ns : 0)) / 1e6))
            .Where(t => t.Ms > 0).OrderByDescending(t => t.Ms).Take(top)];
}

/// <summary>One thread's CPU time over a window, in ms.</summary>
public sealed record ThreadCpu(string Name, double Ms);
