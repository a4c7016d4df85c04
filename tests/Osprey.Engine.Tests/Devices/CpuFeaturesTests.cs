using Osprey.Engine.Devices;

namespace Osprey.Engine.Tests.Devices;

public class CpuFeaturesTests
{
    // Abridged /proc/cpuinfo texts of real machines: two processors each, flags as the kernel prints them.
    private const string Zen4WithBf16 = """
        processor	: 0
        vendor_id	: AuthenticAMD
        model name	: AMD EPYC 9R14
        flags		: fpu vme de pse tsc msr sse sse2 ssse3 fma avx avx2 avx512f avx512dq avx512cd avx512bw avx512vl avx512_bf16 avx512_vnni
        bogomips	: 5200.00

        processor	: 1
        vendor_id	: AuthenticAMD
        model name	: AMD EPYC 9R14
        flags		: fpu vme de pse tsc msr sse sse2 ssse3 fma avx avx2 avx512f avx512dq avx512cd avx512bw avx512vl avx512_bf16 avx512_vnni
        bogomips	: 5200.00
        """;

    private const string Zen3WithoutAvx512 = """
        processor	: 0
        model name	: AMD EPYC 7R13 Processor
        flags		: fpu vme de pse tsc msr sse sse2 ssse3 fma avx avx2 vaes vpclmulqdq

        processor	: 1
        model name	: AMD EPYC 7R13 Processor
        flags		: fpu vme de pse tsc msr sse sse2 ssse3 fma avx avx2 vaes vpclmulqdq
        """;

    private const string SapphireRapidsAmxOnly = """
        processor	: 0
        model name	: Intel(R) Xeon(R) Platinum 8488C
        flags		: fpu sse sse2 avx avx2 avx512f avx512bw amx_bf16 amx_tile amx_int8

        processor	: 1
        model name	: Intel(R) Xeon(R) Platinum 8488C
        flags		: fpu sse sse2 avx avx2 avx512f avx512bw amx_bf16 amx_tile amx_int8
        """;

    private const string OneCoreWithBf16 = """
        processor	: 0
        flags		: fpu sse sse2 avx avx2 avx512f avx512_bf16

        processor	: 1
        flags		: fpu sse sse2 avx avx2 avx512f
        """;

    [Fact]
    public void Avx512Bf16IsBf16InHardware()
    {
        var cpu = CpuFeatures.Parse(Zen4WithBf16);
        Assert.True(cpu.HasBf16);
        Assert.Contains("avx512_vnni", cpu.Flags);
    }

    [Fact]
    public void AmxBf16IsBf16InHardware() => Assert.True(CpuFeatures.Parse(SapphireRapidsAmxOnly).HasBf16);

    [Fact]
    public void Avx2AloneIsNot()
    {
        var cpu = CpuFeatures.Parse(Zen3WithoutAvx512);
        Assert.False(cpu.HasBf16);
        Assert.Contains("avx2", cpu.Flags);
    }

    [Fact]
    public void AFlagOnlySomeProcessorsReportDoesNotCount()
    {
        var cpu = CpuFeatures.Parse(OneCoreWithBf16);
        Assert.False(cpu.HasBf16);
        Assert.Contains("avx512f", cpu.Flags);
    }

    [Fact]
    public void NoFlagsAtAllMeansNoBf16() => Assert.False(CpuFeatures.Parse("processor\t: 0\nmodel name\t: unknown\n").HasBf16);
}
