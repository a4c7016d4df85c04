using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using static OspreyCluster.Tests.Gateway.GatewayRequests;

namespace OspreyCluster.Tests.Gateway;

/// <summary>The embedded host with two tenants' API keys configured.</summary>
public sealed class KeyedGateway() : EmbeddedGateway(FixturePaths.OspreyTiny, $"--Osprey:ApiKeys={Keys}")
{
    public const string AliceKey = "alice-3f9c1e";
    public const string BobKey = "bob-77d0a2";
    public const string Keys = $"alice:{AliceKey},bob:{BobKey}";
}

/// <summary>With keys configured every /v1 route needs one: 401 in the route's error shape without it, /healthz stays open.</summary>
public sealed class ApiKeyTests(KeyedGateway gateway) : IClassFixture<KeyedGateway>
{
    private HttpClient Http => gateway.Http;

    private static HttpRequestMessage Get(string path, string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return request;
    }

    [Theory]
    [InlineData(null, "needs an API key")]
    [InlineData("not-a-key", "not valid")]
    [InlineData(KeyedGateway.AliceKey + "x", "not valid")]
    public async Task Without_a_valid_key_every_api_route_is_a_401_with_its_reason(string? key, string reason)
    {
        foreach (var path in new[] { "/v1/images/" + new string('a', 64), "/v1/conversations/x", "/metrics", "/dashboard/", "/dashboard/DashboardCounters" })
        {
            using var response = await Http.SendAsync(Get(path, key));
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
            Assert.Contains(reason, await ExpectProblemAsync(response, 401));
        }
        using var models = await Http.SendAsync(Get("/v1/models", key));
        Assert.Equal(HttpStatusCode.Unauthorized, models.StatusCode);
        var error = JsonDocument.Parse(await models.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("authentication_error", error.GetProperty("type").GetString());
        Assert.Contains(reason, error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task With_a_key_the_api_answers_and_health_needs_none()
    {
        using (var health = await Http.GetAsync("/healthz")) Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        foreach (var key in new[] { KeyedGateway.AliceKey, KeyedGateway.BobKey })
        {
            using var models = await Http.SendAsync(Get("/v1/models", key));
            Assert.Equal(HttpStatusCode.OK, models.StatusCode);
            using var metrics = await Http.SendAsync(Get("/metrics", key));
            Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
            using var dashboard = await Http.SendAsync(Get("/dashboard/DashboardCounters", key));
            Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        }

        var image = await File.ReadAllBytesAsync(TestImage.CaseFile("p2_tiny_37x53", "image.png"));
        using var upload = new HttpRequestMessage(HttpMethod.Post, "/v1/images") { Content = ImageContent(image) };
        upload.Headers.Authorization = new AuthenticationHeaderValue("Bearer", KeyedGateway.AliceKey);
        using var uploaded = await Http.SendAsync(upload);
        Assert.Equal(37, (await ExpectJsonAsync(uploaded, HttpStatusCode.Created)).GetProperty("width").GetInt32());
    }
}

/// <summary>Keys configured, with <c>Osprey:OpenMetrics=true</c>: a scraper inside the network.</summary>
public sealed class OpenOperationsGateway() : EmbeddedGateway(FixturePaths.OspreyTiny, $"--Osprey:ApiKeys={KeyedGateway.Keys}", "--Osprey:OpenMetrics=true");

/// <summary>OpenMetrics opens /metrics and /dashboard, and nothing else.</summary>
public sealed class OpenOperationsTests(OpenOperationsGateway gateway) : IClassFixture<OpenOperationsGateway>
{
    [Fact]
    public async Task Metrics_and_dashboard_need_no_key_while_the_api_still_does()
    {
        using (var metrics = await gateway.Http.GetAsync("/metrics"))
        {
            Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
            Assert.NotNull(PrometheusText.Sum(await metrics.Content.ReadAsStringAsync(), "osprey_image_encodes_total"));
        }
        using (var dashboard = await gateway.Http.GetAsync("/dashboard/DashboardCounters"))
            Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        using (var api = await gateway.Http.GetAsync("/v1/conversations/x"))
            await ExpectProblemAsync(api, 401);
    }
}

/// <summary><c>Osprey:Dashboard=false</c>: the silo hosts no dashboard grains and the gateway serves no dashboard.</summary>
public sealed class DashboardOffGateway() : EmbeddedGateway(FixturePaths.OspreyTiny, "--Osprey:Dashboard=false");

public sealed class DashboardOffTests(DashboardOffGateway gateway) : IClassFixture<DashboardOffGateway>
{
    [Fact]
    public async Task The_gateway_starts_and_serves_without_the_dashboard()
    {
        using (var health = await gateway.Http.GetAsync("/healthz")) Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        using (var models = await gateway.Http.GetAsync("/v1/models")) Assert.Equal(HttpStatusCode.OK, models.StatusCode);
        using (var dashboard = await gateway.Http.GetAsync("/dashboard/DashboardCounters")) Assert.Equal(HttpStatusCode.NotFound, dashboard.StatusCode);
    }
}
