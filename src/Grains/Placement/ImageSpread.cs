namespace OspreyCluster.Grains.Placement;

/// <summary>
/// Where a new conversation about an image goes: the least loaded of the image's home and replicas;
/// when even that one holds more than its share of the cluster's conversations, a silo that takes a new
/// replica (the least loaded of the others), while the image has room for one.
/// </summary>
public static class ImageSpread
{
    public readonly record struct Choice(SiloAddress Silo, bool NewReplica);

    /// <param name="holders">The image's home and replicas that are active, home first; at least one.</param>
    /// <param name="replicas">Active replicas the image has (the image grain drops the others when it takes a new one).</param>
    /// <param name="silos">Every active silo that may take the conversation.</param>
    public static Choice Choose(IReadOnlyList<SiloAddress> holders, int replicas, IReadOnlyList<SiloAddress> silos,
        Func<SiloAddress, double> conversations, int maxReplicas, double loadFactor, int minConversations)
    {
        var best = holders.MinBy(conversations)!;
        var limit = Math.Max(minConversations, loadFactor * silos.Average(conversations));
        if (conversations(best) <= limit || replicas >= maxReplicas) return new Choice(best, false);
        var spare = silos.Where(s => !holders.Contains(s)).MinBy(conversations);
        return spare is not null && conversations(spare) < conversations(best) ? new Choice(spare, true) : new Choice(best, false);
    }
}
