namespace Osprey.Engine.Devices;

/// <summary>
/// How much memory this process can still take: the kernel's MemAvailable (free memory plus page
/// cache it can reclaim), capped by the memory limit of any cgroup the process is in, less what that
/// cgroup already uses (its reclaimable inactive file cache excepted). A container's OOM killer acts
/// on the cgroup limit, not on the machine's free memory, so both count.
/// </summary>
public sealed record AvailableMemory(long Bytes, string Source)
{
    /// <summary>Null when neither /proc/meminfo nor a cgroup limit can be read (not Linux).</summary>
    public static AvailableMemory? Measure()
    {
        AvailableMemory? best = MemAvailable() is { } m ? new(m, $"MemAvailable {Gigabytes.Format(m)}") : null;
        foreach (var (bytes, source) in CgroupHeadroom())
            if (best is null || bytes < best.Bytes) best = new(bytes, source);
        return best;
    }

    private static long? MemAvailable()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
                if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
                    return long.Parse(line["MemAvailable:".Length..].Trim().Split(' ')[0]) * 1024;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { }
        return null;
    }

    /// <summary>Limit minus usage of the process's memory cgroup and each ancestor that has a limit (v1 and v2).</summary>
    private static IEnumerable<(long Bytes, string Source)> CgroupHeadroom()
    {
        string[] lines;
        try { lines = File.ReadAllLines("/proc/self/cgroup"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { yield break; }
        foreach (var line in lines)
        {
            var parts = line.Split(':', 3);
            if (parts.Length != 3) continue;
            var (root, limitFile, usageFile, inactiveKey) = parts[1] switch
            {
                "" => ("/sys/fs/cgroup", "memory.max", "memory.current", "inactive_file"),
                var c when c.Split(',').Contains("memory") => ("/sys/fs/cgroup/memory", "memory.limit_in_bytes", "memory.usage_in_bytes", "total_inactive_file"),
                _ => (null!, null!, null!, null!),
            };
            if (root is null) continue;
            // Inside a container the own path may not be visible under the mount; the mount root then is the container's cgroup.
            for (var path = parts[2].TrimEnd('/'); ; path = path[..path.LastIndexOf('/')])
            {
                var dir = root + path;
                if (ReadNumber(Path.Combine(dir, limitFile)) is { } limit && limit < 1L << 60
                    && ReadNumber(Path.Combine(dir, usageFile)) is { } usage)
                {
                    var headroom = Math.Max(0, limit - usage + (ReadStat(Path.Combine(dir, "memory.stat"), inactiveKey) ?? 0));
                    yield return (headroom, $"cgroup {(path.Length == 0 ? "/" : path)} limit {Gigabytes.Format(limit)}, {Gigabytes.Format(headroom)} free");
                }
                if (path.Length == 0) break;
            }
        }
    }

    private static long? ReadNumber(string file)
    {
        try { return File.Exists(file) && long.TryParse(File.ReadAllText(file).Trim(), out var v) ? v : null; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    private static long? ReadStat(string file, string key)
    {
        try
        {
            if (!File.Exists(file)) return null;
            foreach (var line in File.ReadLines(file))
                if (line.StartsWith(key + " ", StringComparison.Ordinal) && long.TryParse(line[(key.Length + 1)..], out var v)) return v;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return null;
    }
}
