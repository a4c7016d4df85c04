namespace OspreyCluster.Grains.Interfaces;

[GenerateSerializer, Immutable]
public sealed record DescribeRequest(
    [property: Id(0)] IReadOnlyList<RegionMaskDto> Regions,
    [property: Id(1)] DescriptionStyle Style,
    [property: Id(2)] int MaxNewTokens);

public enum DescriptionStyle { Short, Detailed }

[GenerateSerializer, Immutable]
public sealed record RegionDescription([property: Id(0)] string Name, [property: Id(1)] string Text, [property: Id(2)] int GeneratedTokens);
