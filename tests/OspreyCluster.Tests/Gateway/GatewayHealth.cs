using System.Text.Json;

namespace OspreyCluster.Tests.Gateway;

/// <summary>Waiting for a gateway process's /healthz to report a healthy cluster of a given size.</summary>
public static class GatewayHealth
{
    /// <summary>Polls /healthz until it is healthy with <paramref name="silos"/> silos or <paramref name="within"/> has passed; the last answer (null: none).</summary>
    public static async Task<(bool Healthy, string? Last)> WaitAsync(HttpClient http, int silos, TimeSpan within)
    {
        string? last = null;
        for (var deadline = DateTime.UtcNow + within; DateTime.UtcNow < deadline;)
        {
            try
            {
                last = await http.GetStringAsync("/healthz");
                if (IsHealthy(last, silos)) return (true, last);
            }
            catch (HttpRequestException)
            {
                // Not listening yet, or 503 while the silos join.
            }
            await Task.Delay(500);
        }
        return (false, last);
    }

    private static bool IsHealthy(string health, int silos)
    {
        var json = JsonDocument.Parse(health).RootElement;
        return json.GetProperty("status").GetString() == "healthy" && json.GetProperty("silos").GetInt32() == silos;
    }
}
