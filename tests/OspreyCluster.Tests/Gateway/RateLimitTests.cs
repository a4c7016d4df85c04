using System.Net;
using System.Net.Http.Headers;
using static OspreyCluster.Tests.Gateway.GatewayRequests;

namespace OspreyCluster.Tests.Gateway;

/// <summary>The keyed host with a limit of three requests a minute per tenant.</summary>
public sealed class RateLimitedGateway() : EmbeddedGateway(FixturePaths.OspreyTiny, $"--Osprey:ApiKeys={KeyedGateway.Keys}", "--Osprey:RateLimitPerMinute=3");

/// <summary>Past its limit a tenant gets 429 with Retry-After and the reason; another tenant is not held back.</summary>
public sealed class RateLimitTests(RateLimitedGateway gateway) : IClassFixture<RateLimitedGateway>
{
    private async Task<HttpResponseMessage> Models(string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return await gateway.Http.SendAsync(request);
    }

    [Fact]
    public async Task A_tenant_past_its_limit_is_told_when_to_retry_and_others_carry_on()
    {
        for (var i = 0; i < 3; i++)
            using (var allowed = await Models(KeyedGateway.AliceKey)) Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        using var limited = await Models(KeyedGateway.AliceKey);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.InRange(limited.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 60);
        Assert.Contains("more than 3 requests a minute", await ExpectProblemAsync(limited, 429));
        using var other = await Models(KeyedGateway.BobKey);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        using (var health = await gateway.Http.GetAsync("/healthz")) Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }
}
