namespace OspreyCluster.Gateway.Contracts;

public sealed record DescribeBody(RegionBody[]? Regions, string? Style, int? MaxNewTokens);

public sealed record DescribeReply(string ImageId, IReadOnlyList<RegionDescriptionReply> Descriptions);

public sealed record RegionDescriptionReply(string Name, string Text, int GeneratedTokens);
