namespace OspreyCluster.Gateway.Contracts;

/// <summary>GET /v1/conversations/{id}: regions (as stored, compressed COCO RLE) and the message history.</summary>
public sealed record ConversationReply(string Id, string ImageId, IReadOnlyList<StoredRegionReply> Regions, IReadOnlyList<MessageView> Messages);

public sealed record StoredRegionReply(string Name, StoredMask Mask, long Area);

public sealed record StoredMask(StoredRle Rle);

public sealed record StoredRle(int[] Size, string Counts);

public sealed record MessageView(string Role, string Text);
