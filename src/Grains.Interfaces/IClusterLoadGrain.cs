namespace OspreyCluster.Grains.Interfaces;

/// <summary>
/// The silos' latest demand, as each reports it (key 0): what the conversation placement reads to
/// spread a hot image's conversations over replicas.
/// </summary>
public interface IClusterLoadGrain : IGrainWithIntegerKey
{
    Task Report(SiloLoad load);

    Task<SiloLoad[]> Loads();
}

/// <summary>One silo's demand: the conversations activated on it and its engine's running and waiting sequences.</summary>
[GenerateSerializer, Immutable]
public sealed record SiloLoad([property: Id(0)] string Silo, [property: Id(1)] int Conversations, [property: Id(2)] long ActiveSequences);
