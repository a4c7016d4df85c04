using Orleans.Placement;

namespace OspreyCluster.Grains.Placement;

/// <summary>New images go to the silo with the most free engine memory, as the silos report it.</summary>
public sealed class ImageMemoryPlacement : PlacementStrategy
{
    internal static readonly ImageMemoryPlacement Instance = new();
}

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class ImageMemoryPlacementAttribute() : PlacementAttribute(ImageMemoryPlacement.Instance);
