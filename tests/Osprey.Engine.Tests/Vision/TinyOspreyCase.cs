using Osprey.Engine.Checkpoints;
using Osprey.Engine.Regions;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Vision;

/// <summary>One golden case of osprey-tiny: its tensors and its region masks.</summary>
public sealed class TinyOspreyCase : IDisposable
{
    private readonly SafetensorsFile _tensors;

    public string Name { get; }
    public string Directory { get; }

    private TinyOspreyCase(string name)
    {
        Name = name;
        Directory = FixturePaths.File("osprey-tiny", "cases", name);
        _tensors = SafetensorsFile.Open(Path.Combine(Directory, "case.safetensors"));
    }

    public static TinyOspreyCase Open(string name) => new(name);

    public static IEnumerable<object[]> Names() =>
        System.IO.Directory.GetDirectories(FixturePaths.File("osprey-tiny", "cases"))
            .Select(Path.GetFileName).Order(StringComparer.Ordinal).Select(n => new object[] { n! });

    public Tensor Read(string name) => _tensors.Read(name);

    /// <summary>Inside-pixel count of each mask as the case records it (<c>mask_pixels</c>).</summary>
    public long[] MaskPixelCounts()
    {
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(Directory, "case.json")));
        return doc.RootElement.GetProperty("mask_pixels").EnumerateArray().Select(e => e.GetInt64()).ToArray();
    }

    /// <summary>The case's mask{k}.png files as float [R, H0, W0], decoded by the product's mask decoder (inside where grey &gt; 127).</summary>
    public Tensor Masks()
    {
        var paths = System.IO.Directory.GetFiles(Directory, "mask*.png")
            .OrderBy(p => int.Parse(Path.GetFileNameWithoutExtension(p)["mask".Length..])).ToArray();
        if (paths.Length == 0) throw new FileNotFoundException($"{Directory} has no mask PNGs");
        var decoder = new MaskPngDecoder();
        var planes = paths.Select(p => decoder.DecodeFile(p).ToTensor()).ToArray();
        try { return torch.stack(planes); }
        finally { foreach (var p in planes) p.Dispose(); }
    }

    public static float MaxAbsDiff(Tensor actual, Tensor expected)
    {
        if (!actual.shape.SequenceEqual(expected.shape))
            throw new Xunit.Sdk.XunitException($"shape [{string.Join(", ", actual.shape)}] differs from expected [{string.Join(", ", expected.shape)}]");
        using var a = actual.detach().to(ScalarType.Float32);
        using var diff = (a - expected).abs();
        using var max = diff.max();
        return max.item<float>();
    }

    public void Dispose() => _tensors.Dispose();
}
