using Osprey.Engine.Vision;
using static TorchSharp.torch;

namespace Osprey.Engine.Multimodal;

/// <summary>
/// Everything one image contributes to any prompt about it: the four trunk levels (for mask
/// pooling) and the projected image tokens (for the prompt). Encoded once, then reused for every
/// region and every turn while resident.
/// </summary>
public sealed class ImageFeatures : IDisposable
{
    public VisionFeatures Levels { get; }
    /// <summary>[tokens, hidden] in the model's dtype.</summary>
    public Tensor ImageTokens { get; }

    public ImageFeatures(VisionFeatures levels, Tensor imageTokens)
    {
        Levels = levels;
        ImageTokens = imageTokens;
    }

    public int TokenCount => (int)ImageTokens.shape[0];

    public long ByteSize =>
        Levels.Levels.Sum(t => t.numel() * t.element_size()) + ImageTokens.numel() * ImageTokens.element_size();

    public void Dispose()
    {
        Levels.Dispose();
        ImageTokens.Dispose();
    }
}
