using OspreyCluster.Grains.Interfaces;

namespace OspreyCluster.Grains.Conversations;

/// <summary>A conversation as stored: its image, regions (as RLE) and every completed turn.</summary>
[GenerateSerializer]
public sealed class ConversationState
{
    [Id(0)] public string ImageId { get; set; } = "";
    [Id(1)] public List<RegionView> Regions { get; set; } = [];
    [Id(2)] public List<StoredTurn> Turns { get; set; } = [];
}

/// <summary>
/// One completed turn with its settings and the exact answer ids, so any silo can rebuild the same
/// token sequence (and KV cache) after an eviction or a failover.
/// </summary>
[GenerateSerializer]
public sealed record StoredTurn
{
    [Id(0)] public required string UserText { get; init; }
    [Id(1)] public required string AnswerText { get; init; }
    [Id(2)] public required int[] AnswerIds { get; init; }
    [Id(3)] public required string FinishReason { get; init; }
    [Id(4)] public int MaxNewTokens { get; init; }
    [Id(5)] public float Temperature { get; init; }
    [Id(6)] public float TopP { get; init; }
    [Id(7)] public long Seed { get; init; }
    [Id(8)] public string Silo { get; init; } = "";
}
