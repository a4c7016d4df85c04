using Osprey.Engine.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Checkpoints;

/// <summary>The .bin reader on files written the way PyTorch writes them (stored entries), ZIP64 records included.</summary>
public sealed class PyTorchZipFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("osprey-torch-zip-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Dictionary<string, Tensor> Sample()
    {
        torch.manual_seed(3);
        return new()
        {
            ["a.weight"] = torch.randn(7, 5).to_type(ScalarType.BFloat16),
            ["b.bias"] = torch.randn(11),
            ["c.half"] = torch.randn(2, 3, 4).to_type(ScalarType.Float16),
            ["d.scalar"] = torch.tensor(2.5f),
        };
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Reads_every_tensor_exactly_with_and_without_zip64_records(bool zip64)
    {
        var path = Path.Combine(_dir, "pytorch_model.bin");
        var tensors = Sample();
        try
        {
            using (var writer = new StoredTorchSaveWriter(path, zip64))
                foreach (var (name, t) in tensors) writer.Add(name, t);
            using var source = PyTorchBinWeightSource.Open(path);
            Assert.Equal(tensors.Keys.Order(), source.Tensors.Keys.Order());
            foreach (var (name, expected) in tensors)
            {
                Assert.Equal(expected.dtype, source.Tensors[name].DType);
                Assert.Equal(expected.shape, source.Tensors[name].Shape);
                using var read = source.Read(name);
                Assert.True(TestModels.Same(expected, read), name);
                using var again = source.Read(name);
                Assert.True(TestModels.Same(expected, again), $"{name} read twice");
            }
        }
        finally
        {
            CheckpointFiles.DisposeAll(tensors);
        }
    }

    [Fact]
    public void A_truncated_file_is_a_corrupt_file_not_a_crash()
    {
        var path = Path.Combine(_dir, "pytorch_model.bin");
        var tensors = Sample();
        try
        {
            using (var writer = new StoredTorchSaveWriter(path))
                foreach (var (name, t) in tensors) writer.Add(name, t);
        }
        finally
        {
            CheckpointFiles.DisposeAll(tensors);
        }
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<CheckpointException>(() => PyTorchBinWeightSource.Open(path));
        Assert.Equal(CheckpointError.CorruptFile, e.Error);
    }
}
