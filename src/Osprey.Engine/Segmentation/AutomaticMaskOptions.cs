namespace Osprey.Engine.Segmentation;

/// <summary>
/// Settings of segment-everything, named and defaulted as the reference <c>SamAutomaticMaskGenerator</c>'s.
/// A threshold of 0 or below (<see cref="PredIouThresh"/>, <see cref="StabilityScoreThresh"/>) turns its filter off.
/// </summary>
public sealed record AutomaticMaskOptions
{
    /// <summary>Clicks per side of the grid over each crop.</summary>
    public int PointsPerSide { get; init; } = 32;
    /// <summary>Clicks decoded at once; bounds the full-size logits held in memory.</summary>
    public int PointsPerBatch { get; init; } = 64;
    public double PredIouThresh { get; init; } = 0.88;
    public double StabilityScoreThresh { get; init; } = 0.95;
    /// <summary>Logit offset of the stability score: IoU of the masks at +offset and −offset.</summary>
    public double StabilityScoreOffset { get; init; } = 1.0;
    public double BoxNmsThresh { get; init; } = 0.7;
    /// <summary>Extra layers of smaller crops (layer i splits the image into 2^i × 2^i overlapping crops).</summary>
    public int CropNLayers { get; init; }
    public double CropNmsThresh { get; init; } = 0.7;
    public double CropOverlapRatio { get; init; } = 512.0 / 1500;
    public int CropNPointsDownscaleFactor { get; init; } = 1;
    /// <summary>Holes and islands smaller than this many pixels are removed (0: no cleanup).</summary>
    public int MinMaskRegionArea { get; init; }

    /// <summary>Largest <see cref="PointsPerSide"/> accepted: the grid's every click is a decoder pass.</summary>
    public const int MaxPointsPerSide = 128;

    /// <exception cref="ArgumentException">A setting out of its range, named in the message.</exception>
    public void Validate()
    {
        static void Require(bool ok, string message)
        {
            if (!ok) throw new ArgumentException(message);
        }
        Require(PointsPerSide is >= 1 and <= MaxPointsPerSide, $"points per side must be 1 … {MaxPointsPerSide}, got {PointsPerSide}");
        Require(PointsPerBatch >= 1, $"points per batch must be positive, got {PointsPerBatch}");
        Require(double.IsFinite(PredIouThresh), "the predicted-IoU threshold must be a number");
        Require(StabilityScoreThresh is >= 0 and <= 1 || StabilityScoreThresh < 0 && double.IsFinite(StabilityScoreThresh),
            $"the stability-score threshold must be at most 1, got {StabilityScoreThresh}");
        Require(StabilityScoreOffset is > 0 && double.IsFinite(StabilityScoreOffset), "the stability-score offset must be positive");
        Require(BoxNmsThresh is >= 0 and <= 1, $"the box NMS threshold must be 0 … 1, got {BoxNmsThresh}");
        Require(CropNmsThresh is >= 0 and <= 1, $"the crop NMS threshold must be 0 … 1, got {CropNmsThresh}");
        Require(CropNLayers is >= 0 and <= 4, $"crop layers must be 0 … 4, got {CropNLayers}");
        Require(CropOverlapRatio is >= 0 and < 1, "the crop overlap ratio must be 0 … 1");
        Require(CropNPointsDownscaleFactor >= 1, "the crop points downscale factor must be positive");
        Require(MinMaskRegionArea >= 0, $"the minimum mask region area must be 0 or positive, got {MinMaskRegionArea}");
    }
}
