using System.Security.Cryptography;
using System.Text;

namespace OspreyCluster.Gateway.Security;

/// <summary>
/// The API keys the gateway accepts and the tenant each belongs to, from <c>tenant:key,tenant:key</c>.
/// Only the keys' SHA-256 digests are kept, and a presented key is compared with every one of them in
/// constant time, so neither timing nor a memory dump gives a key away.
/// </summary>
public sealed class ApiKeyRing
{
    private readonly IReadOnlyList<(string Tenant, byte[] Digest)> _keys;

    private ApiKeyRing(IReadOnlyList<(string Tenant, byte[] Digest)> keys) => _keys = keys;

    public static ApiKeyRing None { get; } = new([]);

    /// <summary>True when keys are configured: every <c>/v1</c> route then needs one.</summary>
    public bool IsEnabled => _keys.Count > 0;

    public int Count => _keys.Count;

    /// <exception cref="FormatException">An entry is not <c>tenant:key</c> with both parts non-empty.</exception>
    public static ApiKeyRing Parse(string? spec)
    {
        if (string.IsNullOrWhiteSpace(spec)) return None;
        var keys = new List<(string, byte[])>();
        foreach (var entry in spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = entry.IndexOf(':');
            if (colon <= 0 || colon == entry.Length - 1)
                throw new FormatException($"API key entry {keys.Count + 1} is not 'tenant:key' (the key itself is not shown)");
            var tenant = entry[..colon];
            if (!OspreyCluster.Grains.Interfaces.TenantKey.IsValidTenant(tenant))
                throw new FormatException($"API key entry {keys.Count + 1}: tenant '{tenant}' must be 1-64 letters, digits, '-' or '_'");
            keys.Add((tenant, Digest(entry[(colon + 1)..])));
        }
        return new ApiKeyRing(keys);
    }

    /// <summary>The tenant of a presented key, or null. Every configured key is compared, whatever matches.</summary>
    public string? TenantOf(string presented)
    {
        var digest = Digest(presented);
        string? tenant = null;
        foreach (var (owner, key) in _keys)
            if (CryptographicOperations.FixedTimeEquals(digest, key)) tenant ??= owner;
        return tenant;
    }

    private static byte[] Digest(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
