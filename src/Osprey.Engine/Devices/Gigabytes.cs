namespace Osprey.Engine.Devices;

/// <summary>Byte counts as people read them in memory messages: decimal gigabytes, one decimal.</summary>
public static class Gigabytes
{
    public static string Format(long bytes) => $"{bytes / 1e9:F1} GB";
}
