namespace OspreyCluster.Grains.Interfaces;

[GenerateSerializer, Immutable]
public sealed record ImageInfo([property: Id(0)] string Id, [property: Id(1)] int Width, [property: Id(2)] int Height);
