namespace Osprey.Engine.Tests.Checkpoints;

/// <summary>
/// This process's resident set (VmRSS) and its high-water mark (VmHWM), which Linux resets to the
/// current RSS when "5" is written to /proc/self/clear_refs.
/// </summary>
internal static class PeakRss
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

    public static long Resident() => Status("VmRSS");

    public static long HighWater() => Status("VmHWM");

    private static long Status(string field)
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line.Split(':')[1].Trim().Split(' ')[0]) * 1024;
    }
}
