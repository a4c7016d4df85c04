using OspreyCluster.Gateway.Requests;

namespace OspreyCluster.Gateway.Security;

/// <summary>Whom a limit counts against: the tenant of the request's API key, or its client address on a keyless gateway.</summary>
public static class ClientPartition
{
    public static string Of(HttpContext context) =>
        ResourceIds.TenantOf(context) is { Length: > 0 } tenant ? $"tenant:{tenant}" : $"address:{context.Connection.RemoteIpAddress}";
}
