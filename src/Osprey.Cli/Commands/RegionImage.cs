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
        // The scope owns every temporary until the end: a tensor reachable only through a native
        // handle could otherwise be finalised by the GC while libtorch still reads it.
        using var scope = torch.NewDisposeScope();
        using var inference = torch.inference_mode();
        var features = engine.Model.EncodeImage(engine.Preprocess(image));
        scope.MoveToOuter(features.Levels.Levels);
        scope.MoveToOuter(features.ImageTokens);
        if (masksOrEmpty.Count == 0) return new RegionImage(features, null);
        var masks = torch.stack(masksOrEmpty.Select(m => m.ToTensor()).ToList());
        return new RegionImage(features, scope.MoveToOuter(engine.Model.EncodeRegions(features, masks)));
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
