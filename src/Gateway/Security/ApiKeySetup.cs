using Microsoft.AspNetCore.Authentication;
using OspreyCluster.Gateway.Hosting;

namespace OspreyCluster.Gateway.Security;

/// <summary>Registers API-key authentication when keys are configured (<c>Osprey:ApiKeys</c> or <c>OSPREY_API_KEYS</c>).</summary>
public static class ApiKeySetup
{
    public const string Policy = "api-key";

    public static ApiKeyRing AddApiKeys(this WebApplicationBuilder builder)
    {
        var spec = builder.Configuration[$"{GatewayOptions.Section}:ApiKeys"] ?? builder.Configuration["OSPREY_API_KEYS"];
        var keys = ApiKeyRing.Parse(spec);
        builder.Services.AddSingleton(keys);
        builder.Services.AddAuthentication(ApiKeyAuthentication.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, null);
        builder.Services.AddAuthorization(o => o.AddPolicy(Policy, p => p.RequireClaim(ApiKeyAuthentication.TenantClaim)));
        return keys;
    }

    /// <summary>Puts the routes behind a key when keys are configured; open otherwise.</summary>
    public static TBuilder RequireApiKey<TBuilder>(this TBuilder routes, ApiKeyRing keys) where TBuilder : IEndpointConventionBuilder =>
        keys.IsEnabled ? routes.RequireAuthorization(Policy) : routes;

    /// <summary>An open gateway reachable from other machines is worth a warning at every start.</summary>
    public static void WarnIfOpenBeyondLoopback(this WebApplication app, ApiKeyRing keys)
    {
        if (keys.IsEnabled) return;
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = app.Urls;
            if (addresses.Any(a => !Uri.TryCreate(a.Replace("*", "0.0.0.0").Replace("+", "0.0.0.0"), UriKind.Absolute, out var uri)
                                   || !(uri.IsLoopback || uri.Host == "localhost")))
                app.Logger.LogWarning("No API keys are configured and the gateway listens on {Addresses}: anyone who can reach it may use it. Set OSPREY_API_KEYS=\"tenant:key,…\".",
                    string.Join(", ", addresses));
            else
                app.Logger.LogInformation("No API keys are configured; the gateway listens on loopback only.");
        });
    }
}
