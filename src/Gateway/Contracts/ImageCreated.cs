namespace OspreyCluster.Gateway.Contracts;

/// <summary>Reply to POST /v1/images: the id is the SHA-256 (lower-case hex) of the uploaded bytes.</summary>
public sealed record ImageCreated(string Id, int Width, int Height);
