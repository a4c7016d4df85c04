using OspreyCluster.Grains.Interfaces;

namespace OspreyCluster.Gateway.Requests;

/// <summary>Shapes of the ids in URLs; anything else cannot name a stored resource, so it is a 404 without a grain call.</summary>
public static class ResourceIds
{
    /// <summary>A conversation id carries its image's id (<see cref="ConversationKey"/>), which places it beside the image's features.</summary>
    public static string NewConversationId(string imageId) => ConversationKey.New(imageId);

    public static string RequireImageId(string? id) =>
        IsImageId(id) ? id! : throw new OspreyRequestException(404, $"no image with id '{id}' (ids are SHA-256 lower-case hex)");

    public static string RequireConversationId(string id) =>
        IsImageId(ConversationKey.ImageIdOf(id)) && id[(id.LastIndexOf('.') + 1)..] is { Length: 32 } suffix && suffix.All(IsLowerHex)
            ? id
            : throw new OspreyRequestException(404, $"no conversation with id '{id}'");

    private static bool IsImageId(string? id) => id is { Length: 64 } && id.All(IsLowerHex);

    private static bool IsLowerHex(char c) => c is >= '0' and <= '9' or >= 'a' and <= 'f';
}
