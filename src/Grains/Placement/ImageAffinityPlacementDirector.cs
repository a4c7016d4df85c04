using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime.Placement;
using OspreyCluster.Grains.Hosting;
using OspreyCluster.Grains.Interfaces;

namespace OspreyCluster.Grains.Placement;

/// <summary>
/// Places a conversation beside its image's features: asks the image grain (which activates it under its
/// own placement if needed, e.g. after its silo failed) for its home and replicas, and picks among them
/// by the silos' conversations (<see cref="ImageSpread"/>); a hot image gets a new replica on a lightly
/// loaded silo, registered with the image grain before the conversation lands there.
/// </summary>
public sealed class ImageAffinityPlacementDirector(IGrainFactory grains, ClusterLoadView load, IOptions<OspreyClusterOptions> options,
    ILogger<ImageAffinityPlacementDirector> logger) : IPlacementDirector
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
                var chosen = await Place(grains.GetGrain<IImageHost>(imageId), silos);
                if (chosen is not null)
                {
                    load.Placed(chosen);
                    return chosen;
                }
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Could not locate image {Image} for {Conversation}", imageId, target.GrainIdentity);
            }
        }
        return silos.Contains(context.LocalSilo) ? context.LocalSilo : silos[Random.Shared.Next(silos.Length)];
    }

    private async Task<SiloAddress?> Place(IImageHost image, SiloAddress[] silos)
    {
        var held = await image.Silos();
        var holders = new[] { held.Home }.Concat(held.Replicas).Select(SiloIdentity.Parse).OfType<SiloAddress>().Where(silos.Contains).ToList();
        if (holders.Count == 0) return null;
        var settings = options.Value;
        var conversations = await load.Current();
        var activeReplicas = holders.Count(h => SiloIdentity.Of(h) != held.Home);
        var choice = ImageSpread.Choose(holders, activeReplicas, silos, conversations,
            settings.MaxImageReplicas, settings.ImageSpreadLoadFactor, settings.ImageSpreadMinConversations, Random.Shared);
        if (!choice.NewReplica) return choice.Silo;
        var gone = held.Replicas.Where(r => SiloIdentity.Parse(r) is not { } s || !silos.Contains(s)).ToArray();
        var now = await image.AddReplica(SiloIdentity.Of(choice.Silo), gone);
        // Other placements filled the image's replicas meanwhile: the least loaded holder it is.
        return now.Holds(SiloIdentity.Of(choice.Silo)) ? choice.Silo : holders.MinBy(conversations);
    }
}
