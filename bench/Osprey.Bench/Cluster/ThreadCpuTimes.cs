namespace Osprey.Bench.Cluster;

/// <summary>
/// CPU time of each thread of the bench process (user + system, from <c>/proc/self/task/*/stat</c>), as
/// totals or the difference of two: over a window it shows which threads had the cores (the engine loop,
/// its compute team, the image encoder and their OpenMP workers, the thread pool, the JIT) when a step ran
/// slow. Threads keep the name of the thread that started them (OpenMP workers included), cut to 15 bytes.
/// </summary>
public sealed class ThreadCpuTimes
{
    // Clock ticks in /proc: USER_HZ, 100 on Linux.
    private const double MsPerTick = 10;

    private readonly Dictionary<string, (string Name, long Ticks)> _threads;

    private ThreadCpuTimes(Dictionary<string, (string Name, long Ticks)> threads) => _threads = threads;

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
                var fields = stat[(close + 2)..].Split(' ');
                // Fields 14 and 15 of stat (utime, stime) are the 12th and 13th after the name.
                threads[Path.GetFileName(directory)] = (stat[(open + 1)..close], long.Parse(fields[11]) + long.Parse(fields[12]));
            }
            catch (IOException)
            {
                // The thread ended between listing and reading.
            }
        }
        return new ThreadCpuTimes(threads);
    }

    /// <summary>The <paramref name="top"/> threads that used the most CPU since <paramref name="before"/>, in ms.</summary>
    public IReadOnlyList<ThreadCpu> Since(ThreadCpuTimes before, int top) =>
        [.. _threads.Select(t => new ThreadCpu(t.Value.Name, (t.Value.Ticks - (before._threads.TryGetValue(t.Key, out var b) ? b.Ticks : 0)) * MsPerTick))
            .Where(t => t.Ms > 0).OrderByDescending(t => t.Ms).Take(top)];
}

/// <summary>One thread's CPU time over a window, in ms.</summary>
public sealed record ThreadCpu(string Name, double Ms);
