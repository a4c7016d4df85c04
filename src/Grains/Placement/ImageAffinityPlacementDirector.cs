using Microsoft.Extensions.Logging;
using Orleans.Runtime.Placement;
using OspreyCluster.Grains.Interfaces;

namespace OspreyCluster.Grains.Placement;

/// <summary>
/// Finds the image's silo by asking the image grain (which activates it under its own placement if
/// needed, e.g. after its silo failed) and places the conversation beside it.
/// </summary>
public sealed class ImageAffinityPlacementDirector(IGrainFactory grains, ILogger<ImageAffinityPlacementDirector> logger) : IPlacementDirector
{
    public async Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target);
        var imageId = ConversationKey.ImageIdOf(target.GrainIdentity.Key.ToString()!)
            ?? target.RequestContextData?.GetValueOrDefault(ImageAffinityPlacement.ImageIdContextKey) as string;
        if (imageId is not null)
        {
            try
            {
                var silo = SiloIdentity.Parse(await grains.GetGrain<IImageHost>(imageId).Silo());
                if (silo is not null && silos.Contains(silo)) return silo;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Could not locate image {Image} for {Conversation}", imageId, target.GrainIdentity);
            }
        }
        return silos.Contains(context.LocalSilo) ? context.LocalSilo : silos[Random.Shared.Next(silos.Length)];
    }
}
