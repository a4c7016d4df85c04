namespace OspreyCluster.Grains.Interfaces;

/// <summary>
/// Conversation ids carry their image's id, so a conversation can be placed on the silo holding the
/// image's features before it has ever been activated (and again after a failover).
/// Form: <c>{imageId}.{32 hex}</c>.
/// </summary>
public static class ConversationKey
{
    public static string New(string imageId) => $"{imageId}.{Guid.NewGuid():N}";

    /// <summary>The image id part, or null when <paramref name="conversationId"/> is not of this form.</summary>
    public static string? ImageIdOf(string conversationId)
    {
        var dot = conversationId.LastIndexOf('.');
        return dot > 0 ? conversationId[..dot] : null;
    }
}
