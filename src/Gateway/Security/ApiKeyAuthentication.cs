using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using OspreyCluster.Gateway.OpenAi;
using OspreyCluster.Gateway.Problems;

namespace OspreyCluster.Gateway.Security;

/// <summary>
/// <c>Authorization: Bearer &lt;key&gt;</c> against the <see cref="ApiKeyRing"/>; the principal carries its tenant.
/// A refusal is a 401 in the route's own error shape: OpenAI's on the OpenAI-compatible routes, problem+json elsewhere.
/// </summary>
public sealed class ApiKeyAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeyRing keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string TenantClaim = "osprey:tenant";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header)) return Task.FromResult(AuthenticateResult.NoResult());
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return Task.FromResult(AuthenticateResult.Fail("the Authorization header must be 'Bearer <key>'"));
        var tenant = keys.TenantOf(header["Bearer ".Length..].Trim());
        if (tenant is null) return Task.FromResult(AuthenticateResult.Fail("the API key is not valid"));
        var identity = new ClaimsIdentity([new Claim(TenantClaim, tenant)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        var reason = result.Failure?.Message ?? "this route needs an API key: send 'Authorization: Bearer <key>'";
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        if (Request.Path.StartsWithSegments("/v1/chat") || Request.Path.StartsWithSegments("/v1/models"))
            await Response.WriteAsJsonAsync(new OpenAiError(new OpenAiErrorDetail(reason, "authentication_error", null, "invalid_api_key")));
        else
            await Response.WriteAsJsonAsync(RequestProblem.Create(401, reason), (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json");
    }
}
