namespace OspreyCluster.Grains.Interfaces;

/// <summary>
/// Grain keys of a tenant's images and conversations: <c>{tenant}~{id}</c>, the bare id for the open
/// (keyless) gateway. The same bytes uploaded by two tenants are two images, with their own features
/// and their own cached prompts, so nothing one tenant sends is served from another's work.
/// </summary>
public static class TenantKey
{
    public const char Separator = '~';

    public static string Scope(string tenant, string id) => tenant.Length == 0 ? id : $"{tenant}{Separator}{id}";

    /// <summary>The id a client sees: the key without its tenant.</summary>
    public static string Unscoped(string key) => key[(key.IndexOf(Separator) + 1)..];

    /// <summary>Tenant names are part of keys: no separator, no dot (conversation keys), no list punctuation.</summary>
    public static bool IsValidTenant(string tenant) =>
        tenant.Length is > 0 and <= 64 && tenant.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
