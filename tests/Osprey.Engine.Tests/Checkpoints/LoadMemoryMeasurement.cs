using Osprey.Engine.Checkpoints;
using Osprey.Engine.Layers;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Checkpoints;

/// <summary>Runs only when OSPREY_MEASURE_LOAD_MEMORY=1: it writes a 1 GiB file and needs ~3 GiB of RAM.</summary>
public sealed class MeasurementFactAttribute : FactAttribute
{
    public MeasurementFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("OSPREY_MEASURE_LOAD_MEMORY") != "1")
            Skip = "set OSPREY_MEASURE_LOAD_MEMORY=1 to measure peak memory while loading 1 GiB of bf16 weights";
    }
}

public sealed class LoadMemoryMeasurement(ITestOutputHelper output) : IDisposable
{
    private const int Tensors = 16;
    private const long Rows = 4096, Columns = 8192; // 64 MiB per bf16 tensor, 1 GiB in all
    private readonly string _dir = Directory.CreateTempSubdirectory("osprey-load-memory-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static ModuleTree Tree(ScalarType dtype)
    {
        var alloc = new ParameterAllocation(torch.CPU, dtype);
        var tree = new ModuleTree("weights");
        for (int i = 0; i < Tensors; i++) tree.AddParameter($"layers.{i}.weight", alloc.Empty(Rows, Columns));
        return tree;
    }

    [MeasurementFact]
    public void Peak_rss_loading_bf16_safetensors_into_fp32_is_the_weights_plus_one_tensor()
    {
        using (var source = TestModels.Randomize(Tree(ScalarType.BFloat16)))
            CheckpointSaver.Save(source, _dir, CheckpointNameMap.Identity);
        GC.Collect();
        GC.WaitForPendingFinalizers();

        var path = Path.Combine(_dir, CheckpointDirectory.SafetensorsFileName);
        var fileBytes = new FileInfo(path).Length;
        const long largestStored = Rows * Columns * 2;
        const long fp32Bytes = Tensors * Rows * Columns * 4;

        File.WriteAllText("/proc/self/clear_refs", "5"); // resets VmHWM to the current RSS
        var baseline = Status("VmRSS");
        using var model = Tree(ScalarType.Float32);
        using (var weights = SafetensorsWeightSource.Open(path))
            ModuleWeightLoader.Load(model, weights, CheckpointNameMap.Identity);
        var peak = Status("VmHWM");
        var growth = peak - baseline;

        output.WriteLine($"file (bf16) {Mib(fileBytes)} MiB; module (fp32) {Mib(fp32Bytes)} MiB; largest stored tensor {Mib(largestStored)} MiB");
        output.WriteLine($"RSS before {Mib(baseline)} MiB, peak {Mib(peak)} MiB, growth {Mib(growth)} MiB = fp32 weights + {Mib(growth - fp32Bytes)} MiB");

        using (var file = SafetensorsFile.Open(path))
        using (var stored = file.Read("layers.15.weight"))
        using (var widened = stored.to_type(ScalarType.Float32))
            Assert.True(TestModels.Same(widened, model.named_parameters().Single(p => p.name == "layers.15.weight").parameter));
        Assert.True(growth < fp32Bytes + 2 * largestStored, $"peak growth {Mib(growth)} MiB exceeds weights + 2 tensors");
    }

    private static long Status(string field)
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(field + ":"));
        return long.Parse(line.Split(':')[1].Trim().Split(' ')[0]) * 1024;
    }

    private static long Mib(long bytes) => bytes / (1024 * 1024);
}
