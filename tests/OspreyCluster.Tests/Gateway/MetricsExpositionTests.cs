using System.Net;
using System.Text.Json.Nodes;
using static OspreyCluster.Tests.Gateway.GatewayRequests;

namespace OspreyCluster.Tests.Gateway;

/// <summary>/metrics is OpenTelemetry's Prometheus exposition of the project's meters; /dashboard the Orleans dashboard.</summary>
[Collection(EmbeddedGatewayCollection.Name)]
public sealed class MetricsExpositionTests(EmbeddedGateway gateway)
{
    private HttpClient Http => gateway.Http;

    private const string RequestsTotal = "osprey_gateway_requests_total";

    [Fact]
    public async Task The_documented_counters_and_gauges_are_exposed_and_count_real_work()
    {
        using var first = await Http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("text/plain", first.Content.Headers.ContentType?.MediaType);
        var before = await first.Content.ReadAsStringAsync();
        foreach (var counter in new[] { "osprey_image_encodes_total", "osprey_gateway_requests_total", "osprey_silo_image_encodes_total", "osprey_silo_generated_tokens_total", "osprey_silo_turns_total" })
            Assert.True(PrometheusText.Type(before, counter) == "counter", $"{counter} is not a counter in:\n{before}");
        foreach (var gauge in new[] { "osprey_silos", "osprey_cluster_metrics_up", "osprey_silo_bytes_resident", "osprey_silo_active_sequences", "osprey_gateway_requests_in_flight" })
            Assert.True(PrometheusText.Type(before, gauge) == "gauge", $"{gauge} is not a gauge in:\n{before}");
        Assert.Equal(1, PrometheusText.Sum(before, "osprey_silos"));
        Assert.Equal(1, PrometheusText.Sum(before, "osprey_cluster_metrics_up"));
        Assert.DoesNotContain("otel_scope", before);

        // An image no other test uploads, so describing it runs the image encoder once more.
        var image = TestPng.Gray(41, 29, (byte)Random.Shared.Next(1, 255));
        var imageId = (await UploadAsync(Http, image)).GetProperty("id").GetString()!;
        using (var describe = await Http.PostAsync($"/v1/images/{imageId}/describe", Json(new JsonObject
        {
            ["regions"] = new JsonArray(new JsonObject { ["mask"] = new JsonObject { ["box"] = new JsonArray(2, 2, 30, 20) } }),
            ["maxNewTokens"] = 3,
        })))
            await ExpectJsonAsync(describe, HttpStatusCode.OK);

        // The silo adds its encodes to the cluster's stored total every second.
        var encodesBefore = PrometheusText.Sum(before, "osprey_image_encodes_total")!.Value;
        var after = await MetricsWhen(page => PrometheusText.Sum(page, "osprey_image_encodes_total") >= encodesBefore + 1);
        Assert.Equal(encodesBefore + 1, PrometheusText.Sum(after, "osprey_image_encodes_total"));
        Assert.Equal(PrometheusText.Sum(before, "osprey_silo_image_encodes_total") + 1, PrometheusText.Sum(after, "osprey_silo_image_encodes_total"));
        Assert.True(PrometheusText.Sum(after, "osprey_silo_generated_tokens_total") > PrometheusText.Sum(before, "osprey_silo_generated_tokens_total"));
        Assert.True(PrometheusText.Sum(after, "osprey_silo_turns_total") > PrometheusText.Sum(before, "osprey_silo_turns_total"));
        Assert.Equal(DescribeCount(before) + 1, DescribeCount(after));

        // The engine's latency histograms, in seconds, with buckets fit for steps of milliseconds to seconds.
        foreach (var histogram in new[] { StepSeconds, FirstTokenSeconds, "osprey_engine_inter_token_gap_seconds" })
            Assert.True(PrometheusText.Type(after, histogram) == "histogram", $"{histogram} is not a histogram in:\n{after}");
        Assert.True(PrometheusText.Sum(after, FirstTokenSeconds + "_count") >= (PrometheusText.Sum(before, FirstTokenSeconds + "_count") ?? 0) + 1);
        Assert.True(PrometheusText.Sum(after, StepSeconds + "_count") > (PrometheusText.Sum(before, StepSeconds + "_count") ?? 0));
        Assert.Contains(PrometheusText.Samples(after), s => s.Name == StepSeconds + "_bucket" && s.Labels.Contains("le=\"0.05\"") && s.Labels.Contains("silo="));
    }

    private const string StepSeconds = "osprey_engine_step_duration_seconds";
    private const string FirstTokenSeconds = "osprey_engine_time_to_first_token_seconds";

    [Fact]
    public async Task The_orleans_dashboard_is_served_at_dashboard_with_the_cluster_it_shows()
    {
        using var page = await Http.GetAsync("/dashboard/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<script", await page.Content.ReadAsStringAsync());

        // The dashboard's grain gathers the cluster's state once a second after its first request.
        var statuses = new List<string?>();
        for (var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20); statuses.Count == 0 && DateTime.UtcNow < deadline; await Task.Delay(500))
        {
            using var counters = await Http.GetAsync("/dashboard/DashboardCounters");
            statuses = [.. (await ExpectJsonAsync(counters, HttpStatusCode.OK)).GetProperty("hosts").EnumerateArray().Select(h => h.GetProperty("status").GetString())];
        }
        Assert.Equal(["Active"], statuses);

        // The dashboard's routes are not part of the gateway's API document.
        using var document = await Http.GetAsync("/openapi/v1.json");
        Assert.DoesNotContain("/dashboard", await document.Content.ReadAsStringAsync());
    }

    private static double DescribeCount(string page) =>
        PrometheusText.Samples(page).Where(s => s.Name == RequestsTotal
            && s.Labels == "method=\"POST\",route=\"/v1/images/{id}/describe\",status=\"200\"").Sum(s => s.Value);

    private async Task<string> MetricsWhen(Func<string, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var page = await Http.GetStringAsync("/metrics");
            if (done(page) || DateTime.UtcNow > deadline) return page;
            await Task.Delay(200);
        }
    }
}
