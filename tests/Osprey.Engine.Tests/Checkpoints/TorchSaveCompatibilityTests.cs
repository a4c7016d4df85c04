using System.Text.Json;
using Osprey.Engine.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Checkpoints;

/// <summary>
/// A state dict written by PyTorch's own torch.save (Debian's 1.13, zip format, uncompressed
/// entries — unlike PyBridge's writer) reads back with the exact stored values and dtypes.
/// </summary>
public sealed class TorchSaveCompatibilityTests
{
    private static string DataFile(string name) => Path.Combine(AppContext.BaseDirectory, "Checkpoints", "Data", name);

    [Fact]
    public void ReadsEveryTensorOfARealTorchSaveFile()
    {
        using var expected = JsonDocument.Parse(File.ReadAllText(DataFile("torch_save_case.json")));
        using var source = PyTorchBinWeightSource.Open(DataFile("torch_save_case.bin"));
        var tensors = expected.RootElement.GetProperty("tensors");
        Assert.Equal(tensors.EnumerateObject().Select(p => p.Name).Order(), source.Tensors.Keys.Order());
        foreach (var entry in tensors.EnumerateObject())
        {
            var info = source.Tensors[entry.Name];
            var dtype = entry.Value.GetProperty("dtype").GetString() switch
            {
                "bfloat16" => ScalarType.BFloat16,
                "float16" => ScalarType.Float16,
                "float32" => ScalarType.Float32,
                var other => throw new InvalidDataException(other),
            };
            Assert.Equal(dtype, info.DType);
            Assert.Equal(entry.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()), info.Shape);
            using var t = source.Read(entry.Name);
            using var f = t.to_type(ScalarType.Float32).flatten();
            var actual = f.data<float>().ToArray();
            var want = entry.Value.GetProperty("values").EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();
            Assert.Equal(want, actual);
        }
    }
}
