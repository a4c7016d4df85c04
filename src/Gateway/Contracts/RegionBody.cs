using System.Text.Json;

namespace OspreyCluster.Gateway.Contracts;

/// <summary>A region in a request: an optional name and exactly one mask form.</summary>
public sealed record RegionBody(string? Name, MaskBody? Mask);

/// <summary>Exactly one of: a base64 PNG, COCO RLE, polygons or a box, at the image's resolution.</summary>
public sealed record MaskBody(string? Png, RleBody? Rle, double[][]? Polygon, double[]? Box);

/// <summary>COCO RLE: size [h, w]; counts either the compressed string or the run lengths.</summary>
public sealed record RleBody(int[]? Size, JsonElement Counts);
