namespace Osprey.Engine.Devices;

/// <summary>
/// The instruction-set flags the kernel reports for this machine's CPU (<c>/proc/cpuinfo</c>), and
/// what they mean for the engine: whether bf16 matrix products run in hardware (AVX512_BF16 or
/// AMX-BF16). Without them libtorch emulates bf16 in its own kernels, many times slower than fp32, so
/// the engine computes bf16 products widened to fp32 (<see cref="Layers.WidenedBFloat16"/>) and "auto"
/// serves fp32 unless only bf16 fits in memory.
/// </summary>
public sealed class CpuFeatures
{
    private static readonly Lazy<CpuFeatures> Machine = new(ReadMachine);

    public IReadOnlySet<string> Flags { get; }

    private CpuFeatures(IReadOnlySet<string> flags) => Flags = flags;

    /// <summary>This machine's flags; none when /proc/cpuinfo cannot be read (not Linux).</summary>
    public static CpuFeatures Current => Machine.Value;

    /// <summary>True when the CPU multiplies bf16 in hardware.</summary>
    public bool HasBf16 => HasAvx512Bf16 || Flags.Contains("amx_bf16");

    /// <summary>True when the CPU has the AVX-512 bfloat16 dot product (<see cref="Layers.BFloat16DotProductKernel"/>).</summary>
    public bool HasAvx512Bf16 => Flags.Contains("avx512_bf16");

    /// <summary>
    /// The flags every processor of a /proc/cpuinfo text has (x86 "flags", Arm "Features"): a
    /// feature only some cores report is not one the engine's threads can rely on.
    /// </summary>
    public static CpuFeatures Parse(string cpuinfo)
    {
        HashSet<string>? common = null;
        foreach (var line in cpuinfo.Split('\n'))
        {
            var colon = line.IndexOf(':');
            if (colon < 0) continue;
            var key = line[..colon].Trim();
            if (key is not ("flags" or "Features")) continue;
            var flags = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(f => f.ToLowerInvariant());
            if (common is null) common = new HashSet<string>(flags, StringComparer.Ordinal);
            else common.IntersectWith(flags);
        }
        return new CpuFeatures(common ?? new HashSet<string>(StringComparer.Ordinal));
    }

    private static CpuFeatures ReadMachine()
    {
        try { return Parse(File.ReadAllText("/proc/cpuinfo")); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return Parse(""); }
    }
}
