using Osprey.Engine;
using Osprey.Engine.Imaging;
using Osprey.Engine.Multimodal;
using Osprey.Engine.Regions;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Cli.Commands;

/// <summary>An image file and its regions, encoded once for every question asked about them.</summary>
public sealed class RegionImage : IDisposable
{
    public ImageFeatures Features { get; }
    /// <summary>[R, 2, H]: each region's mask token and position token.</summary>
    public Tensor? RegionTokens { get; }
    public int RegionCount => RegionTokens is null ? 0 : (int)RegionTokens.shape[0];

    private RegionImage(ImageFeatures features, Tensor? regionTokens)
    {
        Features = features;
        RegionTokens = regionTokens;
    }

    public static RegionImage Encode(OspreyEngine engine, RgbImage image, IReadOnlyList<RegionMask> masksOrEmpty)
    {
        using var inference = torch.inference_mode();
        using var pixels = engine.Preprocess(image);
        var features = engine.Model.EncodeImage(pixels);
        if (masksOrEmpty.Count == 0) return new RegionImage(features, null);
        using var masks = torch.stack(masksOrEmpty.Select(m => m.ToTensor()));
        return new RegionImage(features, engine.Model.EncodeRegions(features, masks));
    }

    /// <summary>Region tokens in the order a prompt's placeholder pairs mention them.</summary>
    public Tensor? InOrder(IReadOnlyList<int> regionOrder)
    {
        if (regionOrder.Count == 0 || RegionTokens is null) return null;
        using var index = torch.tensor(regionOrder.Select(i => (long)i).ToArray(), device: RegionTokens.device);
        return RegionTokens.index_select(0, index);
    }

    public void Dispose()
    {
        Features.Dispose();
        RegionTokens?.Dispose();
    }
}
