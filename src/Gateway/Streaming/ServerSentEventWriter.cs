using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;

namespace OspreyCluster.Gateway.Streaming;

/// <summary>Writes <c>text/event-stream</c> events (<c>event:</c> name, one JSON <c>data:</c> line), flushing each.</summary>
public sealed class ServerSentEventWriter(HttpResponse response, JsonSerializerOptions json)
{
    public const string MediaType = "text/event-stream";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = MediaType;
        response.Headers.CacheControl = "no-cache";
        // Proxies (nginx) must not hold tokens back.
        response.Headers["X-Accel-Buffering"] = "no";
        response.HttpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.StartAsync(cancellationToken);
    }

    public async Task WriteAsync<T>(string eventName, T payload, CancellationToken cancellationToken)
    {
        // Serialized JSON never contains a raw newline, so one data line carries the whole payload.
        var data = JsonSerializer.Serialize(payload, json);
        await response.WriteAsync($"event: {eventName}\ndata: {data}\n\n", cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    /// <summary>A nameless event, as OpenAI's streams send them: one <c>data:</c> line.</summary>
    public async Task WriteDataAsync<T>(T payload, CancellationToken cancellationToken)
    {
        await response.WriteAsync($"data: {JsonSerializer.Serialize(payload, json)}\n\n", cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    /// <summary>OpenAI's end of stream.</summary>
    public async Task WriteDoneAsync(CancellationToken cancellationToken)
    {
        await response.WriteAsync("data: [DONE]\n\n", cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    public static bool IsRequested(HttpRequest request) =>
        request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals(MediaType, StringComparison.OrdinalIgnoreCase));
}
