namespace OspreyCluster.Grains.Interfaces;

/// <summary>
/// A region as a client sends it: exactly one of a mask PNG, COCO RLE, polygon(s) or box, always at
/// the image's original resolution.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RegionMaskDto
{
    [Id(0)] public string? Name { get; init; }
    [Id(1)] public byte[]? Png { get; init; }
    /// <summary>COCO RLE size [h, w].</summary>
    [Id(2)] public int[]? RleSize { get; init; }
    /// <summary>COCO RLE counts as the compressed string form.</summary>
    [Id(3)] public string? RleCountsString { get; init; }
    /// <summary>COCO RLE counts as the uncompressed integer form.</summary>
    [Id(4)] public long[]? RleCounts { get; init; }
    /// <summary>Polygons, each [x, y, x, y, ...].</summary>
    [Id(5)] public double[][]? Polygons { get; init; }
    /// <summary>[x0, y0, x1, y1].</summary>
    [Id(6)] public double[]? Box { get; init; }
}
