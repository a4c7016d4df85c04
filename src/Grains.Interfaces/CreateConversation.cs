namespace OspreyCluster.Grains.Interfaces;

[GenerateSerializer, Immutable]
public sealed record CreateConversation([property: Id(0)] string ImageId, [property: Id(1)] IReadOnlyList<RegionMaskDto> Regions);
