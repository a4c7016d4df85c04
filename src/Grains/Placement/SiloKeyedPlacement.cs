using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace OspreyCluster.Grains.Placement;

/// <summary>Activates a grain on the silo its string key names (per-silo grains).</summary>
public sealed class SiloKeyedPlacement : PlacementStrategy
{
    internal static readonly SiloKeyedPlacement Instance = new();
}

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SiloKeyedPlacementAttribute() : PlacementAttribute(SiloKeyedPlacement.Instance);

public sealed class SiloKeyedPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silo = SiloIdentity.Parse(target.GrainIdentity.Key.ToString());
        if (silo is null || !context.GetCompatibleSilos(target).Contains(silo))
            throw new OrleansException($"Silo '{target.GrainIdentity.Key}' is not an active silo.");
        return Task.FromResult(silo);
    }
}
