namespace Osprey.Engine.Regions;

/// <summary>A region (mask PNG, COCO RLE, polygon, box) that cannot be used; the message says how to fix it.</summary>
public abstract class RegionException(string message, Exception? inner = null) : Exception(message, inner);
