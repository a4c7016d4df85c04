using System.Reflection;
using Osprey.Engine.Devices;

namespace Osprey.Bench.Report;

/// <summary>What the numbers were measured on.</summary>
/// <param name="CpuBf16">The CPU multiplies bf16 in hardware (AVX512_BF16 or AMX-BF16).</param>
/// <param name="DefaultDType">The dtype "auto" (the default of the CLI, the silo and the gateway) serves on this CPU.</param>
public sealed record MachineInfo(string CpuModel, int Cores, long MemoryBytes, string TorchSharpVersion, string LibTorchVersion, int TorchThreads,
    bool CpuBf16, string DefaultDType)
{
    /// <summary>The process ran with every thread on glibc's main malloc arena, as the hosts do (<see cref="NativeHeap"/>).</summary>
    public bool MallocOneArena { get; init; } = NativeHeap.OneArena;

    /// <summary>libtorch put tensors of 2 MB or more on huge pages, as the hosts have it (<see cref="TensorHugePages"/>).</summary>
    public bool HugePages { get; init; } = TensorHugePages.InEffect;

    public static MachineInfo Probe() => new(
        ReadCpuModel() ?? "unknown CPU",
        Environment.ProcessorCount,
        ReadMemoryBytes() ?? 0,
        typeof(TorchSharp.torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
            ?? typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString() ?? "?",
        ReadLibTorchVersion(),
        TorchSharp.torch.get_num_threads(),
        CpuFeatures.Current.HasBf16,
        DTypeName.Format(DTypeName.Resolve(DTypeName.Auto, TorchSharp.DeviceType.CPU, CpuFeatures.Current)));

    public string Describe() => FormattableString.Invariant(
        $"{CpuModel}, {Cores} cores, {MemoryBytes / (1024.0 * 1024 * 1024):F1} GiB RAM; TorchSharp {TorchSharpVersion}, libtorch {LibTorchVersion} ({TorchThreads} threads); bf16 in hardware: {(CpuBf16 ? "yes" : "no")}, default dtype {DefaultDType}; malloc: {(MallocOneArena ? "one arena, as the hosts" : $"{NativeHeap.ArenaLimitVariable} not 1, unlike the hosts")}; huge pages for large tensors: {(HugePages ? "on, as the hosts" : "off, unlike the hosts")}");

    private static string? ReadCpuModel()
    {
        const string path = "/proc/cpuinfo";
        if (!File.Exists(path)) return null;
        var line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
        return line?[(line.IndexOf(':') + 1)..].Trim();
    }

    private static long? ReadMemoryBytes()
    {
        const string path = "/proc/meminfo";
        if (!File.Exists(path)) return null;
        var line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        var digits = line is null ? "" : new string(line.Where(char.IsDigit).ToArray());
        return long.TryParse(digits, out var kb) ? kb * 1024 : null;
    }

    /// <summary>The libtorch package version, read from the native package's folder name when the app was built from NuGet.</summary>
    private static string ReadLibTorchVersion()
    {
        var fromBuild = AppContext.GetData("LibTorchPackageVersion") as string;
        if (!string.IsNullOrEmpty(fromBuild)) return fromBuild;
        var home = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var package = Path.Combine(home, "libtorch-cpu-linux-x64");
        return Directory.Exists(package)
            ? string.Join("/", Directory.GetDirectories(package).Select(Path.GetFileName).OrderBy(v => v))
            : "?";
    }
}
