using System.Runtime.InteropServices;

namespace Osprey.Engine.Devices;

/// <summary>
/// The process environment as native libraries see it. .NET keeps its own copy on Linux, so
/// <see cref="Environment.SetEnvironmentVariable(string, string)"/> never reaches libtorch, MKL or
/// oneDNN; they read these settings once, when libtorch loads or first computes, which is why every
/// setter here refuses once libtorch is in the process.
/// </summary>
public static class NativeEnvironment
{
    /// <summary>Whether libtorch is already loaded (and has read, or may have read, its settings).</summary>
    public static bool LibtorchLoaded =>
        File.Exists("/proc/self/maps") && File.ReadLines("/proc/self/maps").Any(line => line.Contains("libtorch_cpu", StringComparison.Ordinal));

    /// <summary>The variable's value in the native environment; null when unset.</summary>
    public static string? Get(string name) => Marshal.PtrToStringUTF8(GetEnv(name));

    /// <summary>Sets the variable before libtorch loads; <paramref name="overwrite"/> false leaves a value already there.</summary>
    public static void Set(string name, string value, bool overwrite)
    {
        if (LibtorchLoaded)
            throw new InvalidOperationException($"{name} must be set before libtorch is loaded: it is read once");
        if (SetEnv(name, value, overwrite ? 1 : 0) != 0)
            throw new InvalidOperationException($"could not set {name} in the process environment");
    }

    [DllImport("libc", EntryPoint = "getenv")]
    private static extern nint GetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name);

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);
}
