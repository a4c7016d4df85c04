using Osprey.Engine.Layers;
using Osprey.Engine.Imaging;
using Osprey.Engine.Regions;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Segmentation;

/// <summary>
/// Segment-everything, as the reference <c>SamAutomaticMaskGenerator</c> does it: for the whole image
/// and each crop, a grid of foreground clicks decoded in batches into three masks each; masks kept
/// whose predicted IoU and stability (IoU of the mask at logit ±offset) pass their thresholds and
/// whose box does not touch a crop edge inside the image; box NMS within each crop, then across crops
/// (smaller crops lose); optionally small holes and islands removed, followed by one more NMS that
/// prefers masks the cleanup left unchanged.
/// </summary>
public sealed class SamAutomaticMaskGenerator(SamPredictor predictor, AutomaticMaskOptions options)
{
    /// <summary>Pixels within which a box counts as touching a crop's edge.</summary>
    private const float EdgeTolerance = 20f;

    private sealed record Candidate(CocoRle Rle, float Iou, float Stability, float[] Box, double X, double Y, CropBox Crop);

    /// <param name="wholeImage">The image's embedding if it is already computed (it is used, not disposed); else it is computed here.</param>
    /// <exception cref="ArgumentException">An option out of range (see <see cref="AutomaticMaskOptions.Validate"/>).</exception>
    public List<MaskAnnotation> Generate(RgbImage image, SamImageEmbedding? wholeImage = null)
    {
        options.Validate();
        var crops = CropBox.Generate(image.Height, image.Width, options.CropNLayers, options.CropOverlapRatio);
        var candidates = new List<Candidate>();
        foreach (var crop in crops) candidates.AddRange(ProcessCrop(image, crop, crop.Layer == 0 ? wholeImage : null));
        if (crops.Count > 1)
        {
            var keep = BoxNms.Keep([.. candidates.Select(c => c.Box)],
                [.. candidates.Select(c => 1f / ((float)c.Crop.Width * c.Crop.Height))], options.CropNmsThresh);
            candidates = [.. keep.Select(i => candidates[i])];
        }
        if (options.MinMaskRegionArea > 0) candidates = RemoveSmallRegions(candidates);
        return [.. candidates.Select(c => new MaskAnnotation(c.Rle, c.Rle.Area,
            [(int)c.Box[0], (int)c.Box[1], (int)(c.Box[2] - c.Box[0]), (int)(c.Box[3] - c.Box[1])],
            c.Iou, c.Stability, c.X, c.Y, [c.Crop.X0, c.Crop.Y0, c.Crop.Width, c.Crop.Height]))];
    }

    private List<Candidate> ProcessCrop(RgbImage image, CropBox crop, SamImageEmbedding? computed)
    {
        using var owned = computed is null ? predictor.Embed(Crop(image, crop)) : null;
        var embedding = computed ?? owned!;
        var grid = PointGrid.ForLayer(options.PointsPerSide, crop.Layer, options.CropNPointsDownscaleFactor);
        var points = grid.Select(p => (X: p.X * crop.Width, Y: p.Y * crop.Height)).ToArray();
        var local = new List<Candidate>();
        for (var start = 0; start < points.Length; start += options.PointsPerBatch)
            local.AddRange(ProcessBatch(embedding, points[start..Math.Min(points.Length, start + options.PointsPerBatch)], crop, image.Height, image.Width));
        var keep = BoxNms.Keep([.. local.Select(c => c.Box)], [.. local.Select(c => c.Iou)], options.BoxNmsThresh);
        return [.. keep.Select(i => local[i]).Select(c => c with
        {
            Box = [c.Box[0] + crop.X0, c.Box[1] + crop.Y0, c.Box[2] + crop.X0, c.Box[3] + crop.Y0],
            X = c.X + crop.X0,
            Y = c.Y + crop.Y0,
        })];
    }

    /// <summary>One batch of clicks in crop pixels; boxes and clicks stay in crop coordinates, masks are placed in the whole image.</summary>
    private List<Candidate> ProcessBatch(SamImageEmbedding embedding, (double X, double Y)[] points, CropBox crop, int imageHeight, int imageWidth)
    {
        using var scope = NewDisposeScope();
        using var _ = inference_mode();
        var g = embedding.Geometry;
        var device = predictor.Model.Device;
        var coords = tensor(points.SelectMany(p => new[] { g.X(p.X), g.Y(p.Y) }).ToArray(), [points.Length, 1, 2], device: device);
        var labels = ones(points.Length, 1, dtype: ScalarType.Int64, device: device);
        var (lowRes, iou) = predictor.Decode(embedding, coords, labels, null, multimask: true);
        var perPoint = (int)lowRes.shape[1];
        var logits = predictor.Upscale(lowRes, g).flatten(0, 1);
        var ious = iou.flatten().cpu().data<float>().ToArray();

        using Scalar above = (float)options.StabilityScoreOffset, below = -(float)options.StabilityScoreOffset;
        var inside = logits.gt(above).sum([1, 2], type: ScalarType.Int64).to(ScalarType.Float32);
        var outside = logits.gt(below).sum([1, 2], type: ScalarType.Int64).to(ScalarType.Float32);
        var stability = (inside / outside).cpu().data<float>().ToArray();

        var kept = Enumerable.Range(0, ious.Length)
            .Where(i => options.PredIouThresh <= 0 || ious[i] > (float)options.PredIouThresh)
            .Where(i => options.StabilityScoreThresh <= 0 || stability[i] >= (float)options.StabilityScoreThresh)
            .ToList();
        if (kept.Count == 0) return [];
        var masks = logits.index_select(0, tensor(kept.Select(i => (long)i).ToArray(), device: device)).gt(PinnedScalars.Zero);
        var boxes = MaskBoxes.Of(masks).cpu().data<long>().ToArray();

        var survivors = new List<int>();
        for (var k = 0; k < kept.Count; k++)
            if (!NearCropEdge(boxes.AsSpan(4 * k, 4), crop, imageHeight, imageWidth)) survivors.Add(k);
        if (survivors.Count == 0) return [];

        var placed = nn.functional.pad(masks.index_select(0, tensor(survivors.Select(k => (long)k).ToArray(), device: device)).to(ScalarType.Byte),
            [crop.X0, imageWidth - crop.X1, crop.Y0, imageHeight - crop.Y1]);
        var columnMajor = placed.permute(0, 2, 1).contiguous().cpu().data<byte>().ToArray();
        var plane = imageHeight * imageWidth;
        var result = new List<Candidate>(survivors.Count);
        for (var s = 0; s < survivors.Count; s++)
        {
            var k = survivors[s];
            var i = kept[k];
            var point = points[i / perPoint];
            result.Add(new Candidate(CocoRle.FromColumnMajor(columnMajor.AsSpan(s * plane, plane), imageHeight, imageWidth), ious[i], stability[i],
                [boxes[4 * k], boxes[4 * k + 1], boxes[4 * k + 2], boxes[4 * k + 3]], point.X, point.Y, crop));
        }
        return result;
    }

    /// <summary>A box (crop coordinates) within the tolerance of an edge of the crop that is not also an edge of the image.</summary>
    private static bool NearCropEdge(ReadOnlySpan<long> box, CropBox crop, int imageHeight, int imageWidth)
    {
        float[] cropEdges = [crop.X0, crop.Y0, crop.X1, crop.Y1];
        float[] imageEdges = [0, 0, imageWidth, imageHeight];
        float[] offsets = [crop.X0, crop.Y0, crop.X0, crop.Y0];
        for (var e = 0; e < 4; e++)
        {
            var v = box[e] + offsets[e];
            if (Math.Abs(v - cropEdges[e]) <= EdgeTolerance && !(Math.Abs(v - imageEdges[e]) <= EdgeTolerance)) return true;
        }
        return false;
    }

    private List<Candidate> RemoveSmallRegions(List<Candidate> candidates)
    {
        var cleaned = new List<(RegionMask Mask, bool Unchanged)>(candidates.Count);
        foreach (var c in candidates)
        {
            var (mask, filled) = SmallRegions.FillHoles(c.Rle.ToMask(), options.MinMaskRegionArea);
            (mask, var trimmed) = SmallRegions.RemoveIslands(mask, options.MinMaskRegionArea);
            cleaned.Add((mask, !filled && !trimmed));
        }
        var boxes = cleaned.Select(m => MaskBoxes.Of(m.Mask)).ToList();
        var keep = BoxNms.Keep(boxes, [.. cleaned.Select(m => m.Unchanged ? 1f : 0f)], Math.Max(options.BoxNmsThresh, options.CropNmsThresh));
        return [.. keep.Select(i => cleaned[i].Unchanged ? candidates[i] : candidates[i] with { Rle = CocoRle.Encode(cleaned[i].Mask), Box = boxes[i] })];
    }

    private static RgbImage Crop(RgbImage image, CropBox crop)
    {
        if (crop.X0 == 0 && crop.Y0 == 0 && crop.X1 == image.Width && crop.Y1 == image.Height) return image;
        var pixels = new byte[crop.Width * crop.Height * 3];
        for (var y = 0; y < crop.Height; y++)
            Array.Copy(image.Pixels, ((crop.Y0 + y) * image.Width + crop.X0) * 3, pixels, y * crop.Width * 3, crop.Width * 3);
        return new RgbImage(crop.Width, crop.Height, pixels);
    }
}
