using Microsoft.Extensions.Logging;
using Orleans.Runtime.Placement;
using OspreyCluster.Grains.Interfaces;

namespace OspreyCluster.Grains.Placement;

/// <summary>
/// Asks the compatible silos' engines for their free memory at the moment of placement and picks the
/// largest; ties (e.g. an idle cluster) are broken at random. A large cluster is asked through a random
/// sample of <see cref="Sample"/> silos (the power of several choices: nearly as even, at a fixed cost
/// per image rather than a call to every silo). A silo that does not answer in time is skipped.
/// A placement hint (<see cref="IPlacementDirector.PlacementHintKey"/>) overrides the choice.
/// </summary>
public sealed class ImageMemoryPlacementDirector(IGrainFactory grains, ILogger<ImageMemoryPlacementDirector> logger) : IPlacementDirector
{
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Silos asked for their free memory at most.</summary>
    public const int Sample = 8;

    public async Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target);
        if (silos.Length == 1) return silos[0];
        // An explicit move (an operator migrating the image, with a placement hint) names its silo.
        if (IPlacementDirector.GetPlacementHint(target.RequestContextData, silos) is { } hinted) return hinted;

        var asked = silos.ToArray();
        if (asked.Length > Sample)
        {
            Random.Shared.Shuffle(asked);
            asked = asked[..Sample];
        }
        var free = await Task.WhenAll(asked.Select(FreeBytes));
        var best = free.Max();
        var candidates = asked.Where((_, i) => free[i] == best).ToArray();
        var chosen = candidates[Random.Shared.Next(candidates.Length)];
        logger.LogDebug("Placing image {Image} on {Silo} ({Free} bytes free)", target.GrainIdentity, chosen, best);
        return chosen;
    }

    private async Task<long> FreeBytes(SiloAddress silo)
    {
        try
        {
            return await grains.GetGrain<ISiloEngineGrain>(SiloIdentity.Of(silo)).FreeBytes().WaitAsync(AnswerTimeout);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Silo {Silo} did not report its free engine memory", silo);
            return -1;
        }
    }
}
