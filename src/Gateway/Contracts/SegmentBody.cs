using System.Text.Json;

namespace OspreyCluster.Gateway.Contracts;

/// <summary><c>POST /v1/images/{id}/segment</c>: clicks <c>[x, y, label]</c> (label 1 foreground, 0 background), a box <c>[x0, y0, x1, y1]</c>, and whether to return three candidate masks (default: the best one).</summary>
public sealed record SegmentBody(JsonElement[]? Points, double[]? Box, bool? Multimask);

/// <summary><c>POST /v1/images/{id}/segment-everything</c>: optional settings of the automatic mask generator (its defaults otherwise).</summary>
public sealed record SegmentEverythingBody(int? PointsPerSide, double? PredIouThresh, double? StabilityScoreThresh, double? BoxNmsThresh, int? MinMaskRegionArea);

public sealed record SegmentReply(IReadOnlyList<SegmentedMaskReply> Masks);

/// <summary>One mask: <see cref="Rle"/> is exactly a region mask's <c>"rle"</c> for <c>/v1/conversations</c>.</summary>
public sealed record SegmentedMaskReply(RleReply Rle, float Score, long Area);

/// <summary>Compressed COCO RLE: <c>size</c> [height, width], <c>counts</c> the compressed string.</summary>
public sealed record RleReply(int[] Size, string Counts);
