using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using OspreyCluster.Gateway.Contracts;

namespace Osprey.Bench.Cluster;

/// <summary>
/// The gateway's HTTP API as a client uses it: images, conversations, streamed turns (server-sent
/// events) and stateless chat completions. Times are taken as the client sees them.
/// </summary>
public sealed class GatewayApi(HttpClient http)
{
    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;

    public async Task<ImageCreated> UploadImage(byte[] png)
    {
        using var content = new ByteArrayContent(png);
        content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        using var response = await http.PostAsync("v1/images", content);
        await Ensure(response);
        return (await response.Content.ReadFromJsonAsync<ImageCreated>(Json))!;
    }

    /// <summary>Starts a conversation about one box region of the image; returns its id.</summary>
    public async Task<string> CreateConversation(string imageId, double[] box)
    {
        using var response = await http.PostAsJsonAsync("v1/conversations",
            new { imageId, regions = new[] { new { mask = new { box } } } }, Json);
        await Ensure(response);
        return (await response.Content.ReadFromJsonAsync<ConversationCreated>(Json))!.Id;
    }

    /// <summary>Asks, streaming the answer; time to first token is when the first text event arrives (or the result, if none).</summary>
    public async Task<StreamedTurn> Ask(string conversationId, string text, int maxNewTokens)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"v1/conversations/{conversationId}/messages")
        {
            Content = JsonContent.Create(new { text, maxNewTokens, temperature = 0 }, options: Json),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        var clock = Stopwatch.StartNew();
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        await Ensure(response);
        var tokenTimes = new List<double>();
        var pieces = new List<string>();
        MessageReply? result = null;
        await foreach (var (name, data) in ServerSentEvents(await response.Content.ReadAsStreamAsync()))
            switch (name)
            {
                case "token":
                    tokenTimes.Add(clock.Elapsed.TotalMilliseconds);
                    pieces.Add(JsonSerializer.Deserialize<TokenEvent>(data, Json)!.Text);
                    break;
                case "done":
                    result = JsonSerializer.Deserialize<MessageReply>(data, Json);
                    break;
                case "error":
                    throw new GatewayCallException(JsonNode.Parse(data)?["status"]?.GetValue<int>() ?? 500, data);
            }
        var total = clock.Elapsed.TotalMilliseconds;
        return new StreamedTurn(tokenTimes.Count > 0 ? tokenTimes[0] : total, total, tokenTimes, pieces,
            result ?? throw new GatewayCallException(502, "the stream ended without its result"));
    }

    /// <summary>A stateless OpenAI-style completion of the history plus the question about the inline image: its time and answer.</summary>
    public async Task<(double Ms, string Text, int PromptTokens, int CachedTokens)> ChatCompletion(byte[] png, double[] box,
        IReadOnlyList<(string User, string Assistant)> history, string question, int maxTokens)
    {
        var messages = new List<object>();
        var imageUrl = $"data:image/png;base64,{Convert.ToBase64String(png)}";
        for (var i = 0; i <= history.Count; i++)
        {
            var user = i < history.Count ? history[i].User : question;
            messages.Add(i == 0
                ? new { role = "user", content = (object)new object[] { new { type = "image_url", image_url = new { url = imageUrl } }, new { type = "text", text = user } } }
                : new { role = "user", content = (object)user });
            if (i < history.Count) messages.Add(new { role = "assistant", content = (object)history[i].Assistant });
        }
        var clock = Stopwatch.StartNew();
        using var response = await http.PostAsJsonAsync("v1/chat/completions", new
        {
            temperature = 0, max_tokens = maxTokens, messages,
            regions = new[] { new { mask = new { box } } },
        });
        await Ensure(response);
        var reply = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        var ms = clock.Elapsed.TotalMilliseconds;
        return (ms, reply["choices"]![0]!["message"]!["content"]!.GetValue<string>(),
            reply["usage"]!["prompt_tokens"]!.GetValue<int>(),
            reply["usage"]!["prompt_tokens_details"]?["cached_tokens"]?.GetValue<int>() ?? 0);
    }

    private static async IAsyncEnumerable<(string Event, string Data)> ServerSentEvents(Stream stream)
    {
        using var reader = new StreamReader(stream);
        string name = "message", data = "";
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Length > 0) yield return (name, data);
                (name, data) = ("message", "");
            }
            else if (line.StartsWith("event:")) name = line[6..].Trim();
            else if (line.StartsWith("data:")) data += line[5..].TrimStart();
        }
    }

    private static async Task Ensure(HttpResponseMessage response)
    {
        if (!response.IsSuccessStatusCode)
            throw new GatewayCallException((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}

/// <summary>One streamed turn as the client saw it: first token, end, every text event's arrival (ms from the request) and text.</summary>
public sealed record StreamedTurn(double TtftMs, double TotalMs, IReadOnlyList<double> TokenTimesMs, IReadOnlyList<string> Pieces, MessageReply Result);

/// <summary>The gateway answered with an error status (or an error event in a started stream).</summary>
public sealed class GatewayCallException(int status, string body) : Exception($"gateway answered {status}: {body}")
{
    public int Status { get; } = status;
}
