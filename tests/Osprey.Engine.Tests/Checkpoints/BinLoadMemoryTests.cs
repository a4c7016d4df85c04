using Osprey.Engine.Checkpoints;
using Osprey.Engine.Layers;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Checkpoints;

/// <summary>
/// The peak-memory tests measure this process's high-water mark, so they run alone: xUnit starts a
/// non-parallel collection only after every parallel one has finished.
/// </summary>
[CollectionDefinition(nameof(PeakMemoryCollection), DisableParallelization = true)]
public sealed class PeakMemoryCollection;

/// <summary>A 1 GiB bf16 <c>torch.save</c> checkpoint in PyTorch's own layout (stored entries), written once per run.</summary>
public sealed class GigabyteBinCheckpoint : IDisposable
{
    public const int TensorCount = 32;
    public const long Rows = 4096, Columns = 4096; // 32 MiB per bf16 tensor
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("osprey-bin-memory-").FullName;
    public string Path => System.IO.Path.Combine(Directory, CheckpointDirectory.PyTorchBinFileName);
    public long StoredBytes => TensorCount * Rows * Columns * 2;

    public GigabyteBinCheckpoint()
    {
        using var writer = new StoredTorchSaveWriter(Path);
        for (int i = 0; i < TensorCount; i++)
        {
            using var t = Tensor(i);
            writer.Add(Name(i), t);
        }
    }

    public static string Name(int i) => $"layers.{i}.weight";

    /// <summary>Tensor <paramref name="i"/>'s values, reproducible so a test can check what was loaded.</summary>
    public static Tensor Tensor(int i)
    {
        using var _ = torch.NewDisposeScope();
        var generator = new torch.Generator((ulong)(1000 + i));
        return torch.randn([Rows, Columns], generator: generator).to_type(ScalarType.BFloat16).MoveToOuterDisposeScope();
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}

/// <summary>
/// Loading a <c>.bin</c> checkpoint streams it: the resident set grows by the module's weights plus
/// about one stored tensor, never by a second copy of the model (issue 25: the published Osprey-7B
/// shards were OOM-killed at 24.3 GB for 14 GB of weights). A real 1 GiB file, real TorchSharp loads.
/// </summary>
[Collection(nameof(PeakMemoryCollection))]
public sealed class BinLoadMemoryTests(GigabyteBinCheckpoint checkpoint, ITestOutputHelper output) : IClassFixture<GigabyteBinCheckpoint>
{
    private const double MaxGrowthOverWeights = 1.15;
    private const long AllowanceBytes = 64L << 20; // runtime noise: JIT, thread stacks, allocator slack

    [Theory]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float32)]
    public void Peak_rss_growth_loading_a_1_GiB_bin_is_at_most_1_15x_the_weights(ScalarType target)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.True(PeakRss.Reset(), "cannot reset VmHWM through /proc/self/clear_refs");
        var baseline = PeakRss.Resident();

        var alloc = new ParameterAllocation(torch.CPU, target);
        using var module = new ModuleTree("weights");
        for (int i = 0; i < GigabyteBinCheckpoint.TensorCount; i++)
            module.AddParameter(GigabyteBinCheckpoint.Name(i), alloc.Empty(GigabyteBinCheckpoint.Rows, GigabyteBinCheckpoint.Columns));
        var weightBytes = module.parameters().Sum(p => p.numel() * p.ElementSize);
        using (var source = PyTorchBinWeightSource.Open(checkpoint.Path))
            ModuleWeightLoader.Load(module, source, CheckpointNameMap.Identity);
        var growth = PeakRss.HighWater() - baseline;

        output.WriteLine($"file {Mib(checkpoint.StoredBytes)} MiB bf16; module {Mib(weightBytes)} MiB {target}; " +
                         $"peak RSS growth {Mib(growth)} MiB = {(double)growth / weightBytes:F3}x the weights");
        var parameters = module.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var i in new[] { 0, GigabyteBinCheckpoint.TensorCount - 1 })
        {
            using var expected = GigabyteBinCheckpoint.Tensor(i);
            using var widened = expected.to_type(target);
            Assert.True(TestModels.Same(widened, parameters[GigabyteBinCheckpoint.Name(i)]), $"tensor {i} loaded wrong values");
        }
        Assert.True(growth <= MaxGrowthOverWeights * weightBytes + AllowanceBytes,
            $"peak RSS grew by {Mib(growth)} MiB loading {Mib(weightBytes)} MiB of weights ({(double)growth / weightBytes:F2}x; at most {MaxGrowthOverWeights}x + {Mib(AllowanceBytes)} MiB)");
    }

    private static long Mib(long bytes) => bytes >> 20;
}
