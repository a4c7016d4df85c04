using OspreyCluster.Grains.Interfaces;

namespace OspreyCluster.Gateway.Requests;

/// <summary>Shapes of the ids in URLs; anything else cannot name a stored resource, so it is a 404 without a grain call.</summary>
public static class ResourceIds
{
    public static string NewConversationId() => Guid.NewGuid().ToString("N");

    public static string RequireImageId(string? id) =>
        id is { Length: 64 } && id.All(IsLowerHex) ? id : throw new OspreyRequestException(404, $"no image with id '{id}' (ids are SHA-256 lower-case hex)");

    public static string RequireConversationId(string id) =>
        id is { Length: 32 } && id.All(IsLowerHex) ? id : throw new OspreyRequestException(404, $"no conversation with id '{id}'");

    private static bool IsLowerHex(char c) => c is >= '0' and <= '9' or >= 'a' and <= 'f';
}
