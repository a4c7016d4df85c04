namespace OspreyCluster.Grains.Regions;

/// <summary>A validated region: its binary mask (one byte per pixel, 0/1, row-major) and its compressed COCO RLE.</summary>
public sealed record DecodedRegion(string Name, int Width, int Height, byte[] Mask, string RleCounts, long Area);
