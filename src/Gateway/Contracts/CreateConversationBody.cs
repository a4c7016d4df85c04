namespace OspreyCluster.Gateway.Contracts;

public sealed record CreateConversationBody(string? ImageId, RegionBody[]? Regions);

public sealed record ConversationCreated(string Id);
