using OspreyCluster.Grains.Interfaces;

namespace OspreyCluster.Gateway.Requests;

/// <summary>
/// Shapes of the ids in URLs, and the grain keys they name for the calling tenant (<see cref="TenantKey"/>):
/// anything else cannot name a stored resource, so it is a 404 without a grain call, and another
/// tenant's resources are simply not found.
/// </summary>
public static class ResourceIds
{
    /// <summary>The tenant of the request's API key; empty when the gateway has no keys.</summary>
    public static string TenantOf(HttpContext context) => context.User.FindFirst(Security.ApiKeyAuthentication.TenantClaim)?.Value ?? "";

    /// <summary>A conversation key carries its image's key (<see cref="ConversationKey"/>), which places it beside the image's features.</summary>
    public static string NewConversationKey(string imageKey) => ConversationKey.New(imageKey);

    public static string ImageKey(HttpContext context, string? id) =>
        IsImageId(id) ? TenantKey.Scope(TenantOf(context), id!) : throw new OspreyRequestException(404, $"no image with id '{id}' (ids are SHA-256 lower-case hex)");

    public static string ConversationKeyOf(HttpContext context, string id) =>
        IsImageId(ConversationKey.ImageIdOf(id)) && id[(id.LastIndexOf('.') + 1)..] is { Length: 32 } suffix && suffix.All(IsLowerHex)
            ? TenantKey.Scope(TenantOf(context), id)
            : throw new OspreyRequestException(404, $"no conversation with id '{id}'");

    private static bool IsImageId(string? id) => id is { Length: 64 } && id.All(IsLowerHex);

    private static bool IsLowerHex(char c) => c is >= '0' and <= '9' or >= 'a' and <= 'f';
}
