namespace Osprey.Bench.Engine;

/// <summary>
/// The process's resident-set high-water mark (VmHWM), which Linux lets a process reset by writing
/// "5" to /proc/self/clear_refs, so each phase of the bench gets its own peak.
/// </summary>
public static class PeakMemory
{
    public static bool Reset()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Bytes, or null where /proc is not available.</summary>
    public static long? HighWaterBytes() => StatusKilobytes("VmHWM:") * 1024;

    public static long? ResidentBytes() => StatusKilobytes("VmRSS:") * 1024;

    private static long? StatusKilobytes(string key)
    {
        const string path = "/proc/self/status";
        if (!File.Exists(path)) return null;
        foreach (var line in File.ReadLines(path))
        {
            if (!line.StartsWith(key, StringComparison.Ordinal)) continue;
            var digits = new string(line[key.Length..].Where(char.IsDigit).ToArray());
            return long.TryParse(digits, out var kb) ? kb : null;
        }
        return null;
    }
}
