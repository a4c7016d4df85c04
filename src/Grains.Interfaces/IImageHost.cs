using Orleans.Concurrency;

namespace OspreyCluster.Grains.Interfaces;

/// <summary>
/// Cluster-internal side of an image grain: where it lives, the silos holding replicas of its features,
/// its stored bytes (for the silo that recomputes its features) and its features (for a replica). Not
/// for HTTP clients.
/// </summary>
public interface IImageHost : IGrainWithStringKey
{
    /// <summary>The silo hosting the image (parsable silo address).</summary>
    [AlwaysInterleave]
    Task<string> Silo();

    /// <summary>The image's home silo and the silos holding a replica of its features.</summary>
    [AlwaysInterleave]
    Task<ImageSilos> Silos();

    /// <summary>
    /// Adds <paramref name="silo"/> to the replicas unless they are at <c>Osprey:MaxImageReplicas</c>, first
    /// dropping those in <paramref name="gone"/> (silos no longer active); answers the set as it now is.
    /// </summary>
    Task<ImageSilos> AddReplica(string silo, string[] gone);

    /// <summary>The image's encoded features as bytes, encoding them on this silo first when not resident.</summary>
    [AlwaysInterleave]
    Task<byte[]> Features();

    /// <summary>The stored image bytes with its size; 404 when nothing was uploaded.</summary>
    [AlwaysInterleave]
    Task<StoredImage> Source();
}

[GenerateSerializer, Immutable]
public sealed record StoredImage([property: Id(0)] ImageInfo Info, [property: Id(1)] byte[] Bytes);

/// <summary>An image's home silo and its replicas (parsable silo addresses).</summary>
[GenerateSerializer, Immutable]
public sealed record ImageSilos([property: Id(0)] string Home, [property: Id(1)] string[] Replicas)
{
    public bool Holds(string silo) => Home == silo || Replicas.Contains(silo);
}
