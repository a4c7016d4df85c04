using Osprey.Engine.Checkpoints;
using Osprey.Engine.Devices;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Checkpoints;

/// <summary>The early refusal of a model that cannot fit, with Osprey-7B's own numbers (6,983,379,648 parameters).</summary>
public sealed class WeightMemoryRequirementTests
{
    private const long Osprey7BUsedParameters = 6_983_379_648 - 3_543_552; // the unused open_clip head is never loaded
    private static readonly WeightMemoryRequirement Osprey7B = new(Osprey7BUsedParameters, 32002L * 4096 * 2);
    private static readonly AvailableMemory TwentyTwoGigabytes = new(22_000_000_000, "MemAvailable 22.0 GB");

    [Fact]
    public void Fp32_7B_on_22_GB_is_refused_naming_what_it_needs_what_there_is_and_that_bf16_fits()
    {
        var e = Assert.Throws<CheckpointException>(() => Osprey7B.EnsureFits(ScalarType.Float32, TwentyTwoGigabytes, "osprey-7b"));
        Assert.Equal(CheckpointError.InsufficientMemory, e.Error);
        Assert.Contains("osprey-7b does not fit in memory as fp32", e.Message);
        Assert.Contains("need 27.9 GB", e.Message);
        Assert.Contains("22.0 GB available (MemAvailable 22.0 GB)", e.Message);
        Assert.Contains("bf16 needs 14.8 GB and fits", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Bf16_7B_on_22_GB_fits()
    {
        Osprey7B.EnsureFits(ScalarType.BFloat16, TwentyTwoGigabytes, "osprey-7b");
    }

    [Fact]
    public void Auto_on_a_cpu_without_bf16_loads_the_7B_on_22_GB_in_bf16()
    {
        var withoutBf16 = CpuFeatures.Parse("processor\t: 0\nflags\t\t: sse avx2 fma\n");
        var dtype = DTypeName.Resolve("auto", DeviceType.CPU, withoutBf16, d => Osprey7B.Fits(d, TwentyTwoGigabytes));
        Assert.Equal(ScalarType.BFloat16, dtype);
        Osprey7B.EnsureFits(dtype, TwentyTwoGigabytes, "osprey-7b");
        Assert.Equal(ScalarType.Float32, DTypeName.Resolve("auto", DeviceType.CPU, withoutBf16, d => Osprey7B.Fits(d, new AvailableMemory(40_000_000_000, "MemAvailable 40.0 GB"))));
    }

    [Fact]
    public void When_nothing_fits_the_message_says_so()
    {
        var e = Assert.Throws<CheckpointException>(() => Osprey7B.EnsureFits(ScalarType.BFloat16, new AvailableMemory(8_000_000_000, "cgroup / limit 8.0 GB, 8.0 GB free"), "osprey-7b"));
        Assert.Contains("no smaller dtype fits either", e.Message);
    }

    [Fact]
    public void Requirement_counts_the_tensors_the_map_loads_and_the_largest_one_in_flight()
    {
        var dir = CheckpointDirectory.Inspect(FixturePaths.OspreyTiny);
        using var source = dir.OpenWeights();
        var r = WeightMemoryRequirement.Of(source, CheckpointNameMap.Osprey());
        var map = CheckpointNameMap.Osprey();
        var loaded = source.Tensors.Values.Where(t => map.Map(t.Name).Kind != CheckpointNameKind.Ignored).ToList();
        Assert.Equal(loaded.Sum(t => t.ElementCount), r.ParameterCount);
        Assert.Equal(loaded.Max(t => t.ByteLength), r.LargestStoredBytes);
        Assert.Equal(r.ParameterCount * 2 + r.LargestStoredBytes + WeightMemoryRequirement.RuntimeAllowanceBytes, r.RequiredBytes(ScalarType.BFloat16));
    }

    [Fact]
    public void This_machine_reports_available_memory_below_its_total()
    {
        var available = AvailableMemory.Measure();
        Assert.NotNull(available);
        var total = long.Parse(File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:"))["MemTotal:".Length..].Trim().Split(' ')[0]) * 1024;
        Assert.InRange(available.Bytes, 1, total);
    }
}
