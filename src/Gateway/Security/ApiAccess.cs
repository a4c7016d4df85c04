namespace OspreyCluster.Gateway.Security;

/// <summary>What every API route sits behind: the API key check and the per-tenant rate limit, each when configured.</summary>
public sealed record ApiAccess(ApiKeyRing Keys, int? RateLimitPerMinute);

public static class ApiAccessRoutes
{
    public static TBuilder Guard<TBuilder>(this TBuilder routes, ApiAccess access) where TBuilder : IEndpointConventionBuilder =>
        routes.RequireApiKey(access.Keys).LimitRate(access.RateLimitPerMinute);
}
