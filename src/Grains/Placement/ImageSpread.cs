namespace OspreyCluster.Grains.Placement;

/// <summary>
/// Where a new conversation about an image goes: the less loaded of two of the image's home and replicas
/// drawn at random; when even that one holds more than its share of the cluster's conversations, a silo
/// that takes a new replica, while the image has room for one: the less loaded of two other silos drawn
/// at random. Two random choices rather than the least loaded (the power of two choices): every silo's
/// placement reads the same load board, and between two readings the single least loaded silo would
/// draw every conversation they place.
/// </summary>
public static class ImageSpread
{
    public readonly record struct Choice(SiloAddress Silo, bool NewReplica);

    /// <param name="holders">The image's home and replicas that are active, home first; at least one.</param>
    /// <param name="replicas">Active replicas the image has (the image grain drops the others when it takes a new one).</param>
    /// <param name="silos">Every active silo that may take the conversation.</param>
    public static Choice Choose(IReadOnlyList<SiloAddress> holders, int replicas, IReadOnlyList<SiloAddress> silos,
        Func<SiloAddress, double> conversations, int maxReplicas, double loadFactor, int minConversations, Random random)
    {
        var best = LessLoadedOfTwo(holders.ToArray(), conversations, random)!;
        var limit = Math.Max(minConversations, loadFactor * silos.Average(conversations));
        if (conversations(best) <= limit || replicas >= maxReplicas) return new Choice(best, false);
        var spare = LessLoadedOfTwo([.. silos.Where(s => !holders.Contains(s))], conversations, random);
        return spare is not null && conversations(spare) < conversations(best) ? new Choice(spare, true) : new Choice(best, false);
    }

    private static SiloAddress? LessLoadedOfTwo(SiloAddress[] silos, Func<SiloAddress, double> conversations, Random random)
    {
        random.Shuffle(silos);
        return silos.Take(2).MinBy(conversations);
    }
}
