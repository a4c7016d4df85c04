namespace OspreyCluster.Grains.Interfaces;

[GenerateSerializer, Immutable]
public sealed record ConversationView(
    [property: Id(0)] string Id,
    [property: Id(1)] string ImageId,
    [property: Id(2)] IReadOnlyList<RegionView> Regions,
    [property: Id(3)] IReadOnlyList<ChatMessage> Messages);

/// <summary>A region as stored: its name and its mask as compressed COCO RLE.</summary>
[GenerateSerializer, Immutable]
public sealed record RegionView([property: Id(0)] string Name, [property: Id(1)] int[] Size, [property: Id(2)] string RleCounts, [property: Id(3)] long Area);

[GenerateSerializer, Immutable]
public sealed record ChatMessage([property: Id(0)] string Role, [property: Id(1)] string Text);
