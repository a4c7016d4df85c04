using System.Security.Cryptography;
using Osprey.Engine.Imaging;
using Osprey.Engine.Regions;
using Osprey.Engine.Serving;

namespace Osprey.Cli.Commands;

/// <summary>An image file as the serving engine takes it (its bytes, keyed by their SHA-256, as the gateway keys uploads) and its size.</summary>
public sealed record ImageFile(ImageSource Source, int Width, int Height)
{
    public static ImageFile Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var decoded = new ImageDecoder().Decode(bytes, path);
        return new ImageFile(new ImageSource(Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes), decoded.Width, decoded.Height);
    }

    public RegionMaskSet Regions(IReadOnlyList<RegionMask> masks)
    {
        foreach (var mask in masks) mask.EnsureSize(Height, Width, "region");
        return new RegionMaskSet(Width, Height, [.. masks.Select(m => m.Data)]);
    }
}
