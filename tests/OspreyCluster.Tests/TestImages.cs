using OspreyCluster.Grains.Images;
using OspreyCluster.Grains.Interfaces;

namespace OspreyCluster.Tests;

/// <summary>The fixture case images and their region mask PNGs.</summary>
public sealed record TestImage(string Case, byte[] Bytes, IReadOnlyList<byte[]> MaskPngs)
{
    public string Id => ImageId.Of(Bytes);

    public IReadOnlyList<RegionMaskDto> Regions => [.. MaskPngs.Select((png, i) => new RegionMaskDto { Name = $"r{i + 1}", Png = png })];

    public static TestImage Load(string caseName)
    {
        var dir = CaseFile(caseName);
        var image = File.Exists(Path.Combine(dir, "image.png")) ? "image.png" : "image.jpg";
        var masks = Directory.GetFiles(dir, "mask*.png").Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToList();
        return new TestImage(caseName, File.ReadAllBytes(Path.Combine(dir, image)), masks);
    }

    /// <summary>A file of a fixture case (or the case's folder), e.g. <c>CaseFile("p1_shapes_640x480", "mask1.png")</c>.</summary>
    public static string CaseFile(string caseName, string file = "") => FixturePaths.File("osprey-tiny", "cases", caseName, file);

    public static TestImage Shapes => Load("p1_shapes_640x480");
    public static TestImage Tiny => Load("p2_tiny_37x53");
    public static TestImage Jpeg => Load("p3_jpeg_300x200");
    public static TestImage MultiTurn => Load("p4_multiturn_512x768");
}
