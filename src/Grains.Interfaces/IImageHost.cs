namespace OspreyCluster.Grains.Interfaces;

/// <summary>
/// Cluster-internal side of an image grain: where it lives and its stored bytes (for the silo that
/// recomputes its features). Not for HTTP clients.
/// </summary>
public interface IImageHost : IGrainWithStringKey
{
    /// <summary>The silo hosting the image (parsable silo address).</summary>
    Task<string> Silo();

    /// <summary>The stored image bytes with its size; 404 when nothing was uploaded.</summary>
    Task<StoredImage> Source();
}

[GenerateSerializer, Immutable]
public sealed record StoredImage([property: Id(0)] ImageInfo Info, [property: Id(1)] byte[] Bytes);
