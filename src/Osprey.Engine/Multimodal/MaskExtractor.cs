using Osprey.Engine.Config;
using Osprey.Engine.Layers;
using Osprey.Engine.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Multimodal;

/// <summary>
/// Osprey's mask-aware extractor (<c>mask_extractor</c>, spec §5). For R regions of one image it
/// produces, batched, a mask token per region (mask pooling on res2..res5, <c>res2</c>..<c>res5</c>
/// Linear C_L→E summed, <c>feat_linear</c> E→H) and a position token (<c>mask_linear</c>).
/// </summary>
public sealed class MaskExtractor : nn.Module<VisionFeatures, Tensor, (Tensor MaskTokens, Tensor PosTokens)>
{
    public Linear res2;
    public Linear res3;
    public Linear res4;
    public Linear res5;
    public Linear feat_linear;
    public MaskPositionEncoder mask_linear;

    public int HiddenSize { get; }

    public MaskExtractor(VisionConfig vision, MaskExtractorConfig config, int hiddenSize, ParameterAllocation alloc, string name = "MaskExtractor") : base(name)
    {
        var e = config.EmbedDim;
        HiddenSize = hiddenSize;
        res2 = new Linear(vision.Dims[0], e, hasBias: true, alloc);
        res3 = new Linear(vision.Dims[1], e, hasBias: true, alloc);
        res4 = new Linear(vision.Dims[2], e, hasBias: true, alloc);
        res5 = new Linear(vision.Dims[3], e, hasBias: true, alloc);
        feat_linear = new Linear(e, hiddenSize, hasBias: true, alloc);
        mask_linear = new MaskPositionEncoder(config.MaskShape, e, hiddenSize, alloc);
        RegisterComponents();
    }

    /// <summary>
    /// features: the image's res2..res5; masks: float [R, H0, W0], 0/1 at the image's original
    /// resolution. Returns mask tokens and position tokens, each [R, H] in the extractor's dtype.
    /// </summary>
    public override (Tensor MaskTokens, Tensor PosTokens) forward(VisionFeatures features, Tensor masks)
    {
        RegionMasks.Validate(masks);
        var weight = feat_linear.weight;
        if (masks.shape[0] == 0)
            return (torch.empty(0, HiddenSize, dtype: weight.dtype, device: weight.device),
                    torch.empty(0, HiddenSize, dtype: weight.dtype, device: weight.device));

        using var scope = NewDisposeScope();
        var levels = new[] { res2, res3, res4, res5 };
        Tensor? summed = null;
        for (var l = 0; l < levels.Length; l++)
        {
            var feature = features.Levels[l];
            if (feature.shape[1] != levels[l].InFeatures)
                throw new ArgumentException($"res{l + 2} has {feature.shape[1]} channels, the extractor expects {levels[l].InFeatures}");
            var pooled = MaskPooling.Pool(feature, masks).to(levels[l].weight.dtype, levels[l].weight.device);
            var embedded = levels[l].forward(pooled);
            summed = summed is null ? embedded : summed.add(embedded, PinnedScalars.One);
        }
        var maskTokens = feat_linear.forward(summed!);
        var posTokens = mask_linear.forward(masks);
        scope.MoveToOuter(maskTokens, posTokens);
        return (maskTokens, posTokens);
    }
}
