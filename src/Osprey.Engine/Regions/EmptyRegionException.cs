namespace Osprey.Engine.Regions;

/// <summary>A region covers no pixel of the image, so there is nothing to describe.</summary>
public sealed class EmptyRegionException(string source)
    : RegionException($"{source}: the region covers no pixel of the image (empty mask, or a polygon/box entirely outside it)");
