using Osprey.Engine.Layers;
using Osprey.Engine.Imaging;
using Osprey.Engine.Multimodal;
using Osprey.Training.Synthetic;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Training.Pretraining;

/// <summary>
/// The attribute heads' loss on every object of a batch of scenes: cross-entropy of category,
/// colour, size and position plus the squared error of the standardised log area (what a size
/// comparison between two regions needs), summed; computed on the same path as inference: CLIP preprocessing, trunk, mask extractor
/// on the objects' visible-pixel masks. The projector and the language model take no part.
/// </summary>
public sealed class RegionAttributeLoss(OspreyModel model, RegionAttributeHeads heads)
{
    private readonly ClipPreprocessor _preprocessor = new(model.Config.ImageSize);

    /// <summary>The loss averaged over the batch's regions.</summary>
    public RegionAttributeBatch Compute(IReadOnlyList<SyntheticScene> scenes) => Compute(scenes, nn.Reduction.Mean);

    /// <summary>The loss summed over the batch's regions: shards of one batch add up to the batch's sum.</summary>
    public RegionAttributeBatch ComputeSum(IReadOnlyList<SyntheticScene> scenes) => Compute(scenes, nn.Reduction.Sum);

    private RegionAttributeBatch Compute(IReadOnlyList<SyntheticScene> scenes, nn.Reduction reduction)
    {
        if (scenes.Count == 0) throw new ArgumentException("an empty batch has no loss", nameof(scenes));
        using var scope = torch.NewDisposeScope();
        var tokens = new List<Tensor>();
        var categories = new List<long>();
        var colours = new List<long>();
        var sizes = new List<long>();
        var positions = new List<long>();
        var logAreas = new List<float>();
        foreach (var scene in scenes)
        {
            if (scene.Objects.Count == 0) continue;
            using var pixels = _preprocessor.Preprocess(new RgbImage(scene.Width, scene.Height, scene.Pixels));
            using var levels = model.vision_trunk.forward(pixels.to(model.DType, model.Device));
            var masks = torch.stack(scene.Objects.Select(o => MaskTensor(o, scene)).ToList());
            var (maskTokens, posTokens) = model.mask_extractor.forward(levels, masks);
            tokens.Add(torch.stack([maskTokens, posTokens], 1));
            foreach (var o in scene.Objects)
            {
                categories.Add((long)o.Category);
                colours.Add(o.Colour.PaletteIndex);
                sizes.Add((long)o.Size);
                positions.Add(IndexOfPosition(o.Position));
                logAreas.Add(StandardisedLogArea(o, scene));
            }
        }
        if (tokens.Count == 0) throw new ArgumentException("the batch's scenes hold no objects", nameof(scenes));
        using var logits = heads.forward(torch.cat(tokens, 0));
        var categoryTargets = torch.tensor(categories.ToArray());
        var colourTargets = torch.tensor(colours.ToArray());
        var sizeTargets = torch.tensor(sizes.ToArray());
        var positionTargets = torch.tensor(positions.ToArray());
        var logAreaTargets = torch.tensor(logAreas.ToArray());
        var loss = nn.functional.cross_entropy(logits.Category, categoryTargets, reduction: reduction)
            .add(nn.functional.cross_entropy(logits.Colour, colourTargets, reduction: reduction), PinnedScalars.One)
            .add(nn.functional.cross_entropy(logits.Size, sizeTargets, reduction: reduction), PinnedScalars.One)
            .add(nn.functional.cross_entropy(logits.Position, positionTargets, reduction: reduction), PinnedScalars.One)
            .add(nn.functional.mse_loss(logits.LogArea, logAreaTargets, reduction), PinnedScalars.One);
        double logAreaError;
        using (var error = logits.LogArea.detach().sub(logAreaTargets).abs_().sum())
            logAreaError = error.item<float>();
        return new RegionAttributeBatch(
            scope.MoveToOuter(loss),
            categories.Count,
            Correct(logits.Category, categoryTargets),
            Correct(logits.Colour, colourTargets),
            Correct(logits.Size, sizeTargets),
            Correct(logits.Position, positionTargets),
            logAreaError);
    }

    private static Tensor MaskTensor(SceneObject obj, SyntheticScene scene)
    {
        var mask = torch.tensor(obj.Mask, ScalarType.Byte).reshape(scene.Height, scene.Width);
        return mask.to(ScalarType.Float32);
    }

    private static long IndexOfPosition(string label)
    {
        var index = ImagePosition.AllLabels.ToList().IndexOf(label);
        return index >= 0 ? index : throw new ArgumentException($"unknown position label '{label}'");
    }

    /// <summary>
    /// ln(visible area / image area) + 3: the world's objects cover about 1–17 % of the image, so the
    /// target lies in about [-1.6, 1.2] and needs no further scaling.
    /// </summary>
    public static float StandardisedLogArea(SceneObject obj, SyntheticScene scene) =>
        (float)(Math.Log(Math.Max(1, obj.Area) / ((double)scene.Width * scene.Height)) + 3.0);

    private static int Correct(Tensor logits, Tensor targets)
    {
        using var predicted = logits.argmax(1);
        using var equal = predicted.eq(targets);
        using var count = equal.sum();
        return (int)count.item<long>();
    }
}
