using System.Text.Json;

namespace OspreyCluster.Tests.Gateway;

public sealed record ServerSentEvent(string Name, JsonElement Data);

/// <summary>Reads a text/event-stream body event by event, as a browser's EventSource would.</summary>
public static class ServerSentEvents
{
    public static async Task<List<ServerSentEvent>> ReadAllAsync(HttpResponseMessage response)
    {
        var events = new List<ServerSentEvent>();
        await foreach (var item in ReadEachAsync(await response.Content.ReadAsStreamAsync())) events.Add(item);
        return events;
    }

    /// <summary>The events as they arrive, for a test that acts in the middle of a stream.</summary>
    public static async IAsyncEnumerable<ServerSentEvent> ReadEachAsync(Stream body)
    {
        using var reader = new StreamReader(body);
        string? name = null;
        var data = new List<string>();
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Count > 0)
                    yield return new ServerSentEvent(name ?? "message", JsonDocument.Parse(string.Join('\n', data)).RootElement.Clone());
                name = null;
                data.Clear();
            }
            else if (line.StartsWith("event:"))
                name = line["event:".Length..].Trim();
            else if (line.StartsWith("data:"))
                data.Add(line["data:".Length..].TrimStart());
        }
    }
}
