using Orleans.Placement;

namespace OspreyCluster.Grains.Placement;

/// <summary>A conversation activates on the silo hosting its image (the silo holding the image's features).</summary>
public sealed class ImageAffinityPlacement : PlacementStrategy
{
    internal static readonly ImageAffinityPlacement Instance = new();

    /// <summary>Request-context key naming the image when the grain key does not (see <c>ConversationKey</c>).</summary>
    public const string ImageIdContextKey = "osprey-image-id";
}

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class ImageAffinityPlacementAttribute() : PlacementAttribute(ImageAffinityPlacement.Instance);
