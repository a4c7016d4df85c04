namespace OspreyCluster.Grains.Interfaces;

/// <summary>Clicks and/or a box (x0, y0, x1, y1) in image pixels; three candidate masks with <see cref="Multimask"/>, else the best one.</summary>
[GenerateSerializer, Immutable]
public sealed record SegmentRequest(
    [property: Id(0)] IReadOnlyList<SegmentPoint> Points,
    [property: Id(1)] double[]? Box,
    [property: Id(2)] bool Multimask);

/// <summary>A click in image pixels: label 1 foreground, 0 background.</summary>
[GenerateSerializer, Immutable]
public sealed record SegmentPoint([property: Id(0)] double X, [property: Id(1)] double Y, [property: Id(2)] int Label);

/// <summary>Segment-everything's settings (the reference generator's names); null keeps its default.</summary>
[GenerateSerializer, Immutable]
public sealed record SegmentEverythingRequest(
    [property: Id(0)] int? PointsPerSide,
    [property: Id(1)] double? PredIouThresh,
    [property: Id(2)] double? StabilityScoreThresh,
    [property: Id(3)] double? BoxNmsThresh,
    [property: Id(4)] int? MinMaskRegionArea);

/// <summary>One mask as compressed COCO RLE (<c>size</c> [Height, Width], <c>counts</c>), its score (the predicted IoU) and its area in pixels.</summary>
[GenerateSerializer, Immutable]
public sealed record SegmentedMask(
    [property: Id(0)] int Height,
    [property: Id(1)] int Width,
    [property: Id(2)] string Counts,
    [property: Id(3)] float Score,
    [property: Id(4)] long Area);
