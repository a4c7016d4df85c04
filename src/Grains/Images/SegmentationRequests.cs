using Osprey.Engine.Regions;
using Osprey.Engine.Segmentation;
using OspreyCluster.Grains.Interfaces;

namespace OspreyCluster.Grains.Images;

/// <summary>
/// The image grain's segmentation requests as the engine's segmentation types: prompts and settings
/// checked against the image (a 400 with the reason otherwise), results as compressed COCO RLE with
/// their scores, best first. The conversions of results run on the segmentation worker, with the compute.
/// </summary>
internal static class SegmentationRequests
{
    public static SamPrompt Prompt(SegmentRequest request, ImageInfo image)
    {
        if (request.Box is { Length: not 4 })
            throw new OspreyRequestException(400, $"\"box\" must be [x0, y0, x1, y1], got {request.Box.Length} numbers");
        var prompt = new SamPrompt([.. (request.Points ?? []).Select(p => new SamPoint(p.X, p.Y, p.Label))],
            request.Box is { } b ? new SamBox(b[0], b[1], b[2], b[3]) : null, request.Multimask);
        try
        {
            prompt.Validate(image.Width, image.Height);
        }
        catch (SamPromptException e)
        {
            throw new OspreyRequestException(400, e.Message);
        }
        return prompt;
    }

    public static AutomaticMaskOptions Options(SegmentEverythingRequest request)
    {
        var defaults = new AutomaticMaskOptions();
        var options = defaults with
        {
            PointsPerSide = request.PointsPerSide ?? defaults.PointsPerSide,
            PredIouThresh = request.PredIouThresh ?? defaults.PredIouThresh,
            StabilityScoreThresh = request.StabilityScoreThresh ?? defaults.StabilityScoreThresh,
            BoxNmsThresh = request.BoxNmsThresh ?? defaults.BoxNmsThresh,
            MinMaskRegionArea = request.MinMaskRegionArea ?? defaults.MinMaskRegionArea,
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new OspreyRequestException(400, e.Message);
        }
        return options;
    }

    public static IReadOnlyList<SegmentedMask> Masks(SamPrediction prediction) =>
        [.. prediction.Masks.Select((mask, i) => Mask(CocoRle.Encode(mask), prediction.IouPredictions[i])).OrderByDescending(m => m.Score)];

    public static IReadOnlyList<SegmentedMask> Masks(IEnumerable<MaskAnnotation> annotations) =>
        [.. annotations.Select(a => Mask(a.Segmentation, a.PredictedIou)).OrderByDescending(m => m.Score)];

    private static SegmentedMask Mask(CocoRle rle, float score) => new(rle.Height, rle.Width, rle.ToCompressedString(), score, rle.Area);
}
