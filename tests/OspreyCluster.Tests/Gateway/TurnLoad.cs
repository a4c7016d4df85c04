using System.Diagnostics;
using System.Net;
using System.Text.Json;
using static OspreyCluster.Tests.Gateway.GatewayRequests;

namespace OspreyCluster.Tests.Gateway;

/// <summary>One turn sent over HTTP: when it was sent and ended (on the load's clock), and what came back.</summary>
public sealed record TurnAttempt(string Conversation, string Question, TimeSpan Sent, TimeSpan Ended, int Status, string? RetryAfter, string? Silo, string? Answer, string Body);

/// <summary>
/// Conversations taking turns back to back over HTTP, as clients do: each asks its next question as soon
/// as the last one ended, and asks a refused question again (after its Retry-After). Every question is
/// unique, so a stored history can be matched against what the clients saw.
/// </summary>
/// <param name="pause">Time a client waits after an answer before its next question: bounds how many turns a
/// long run adds to a conversation, so it stays inside the model's context on a fast machine.</param>
public sealed class TurnLoad(HttpClient http, IReadOnlyList<string> conversations, int maxNewTokens, TimeSpan pause = default)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<TurnAttempt> _attempts = [];
    private int _inFlight;

    public TimeSpan Now => _clock.Elapsed;

    /// <summary>Turns sent and not yet answered.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    public IReadOnlyList<TurnAttempt> Attempts
    {
        get { lock (_attempts) return [.. _attempts]; }
    }

    /// <summary>
    /// Waits until every conversation has an answer (200) sent after <paramref name="after"/> that
    /// <paramref name="answered"/> accepts, or until <paramref name="within"/> of that time has passed.
    /// </summary>
    public async Task UntilEachAnsweredAsync(TimeSpan after, TimeSpan within, Func<TurnAttempt, bool>? answered = null)
    {
        var until = after + within;
        while (conversations.Any(c => !Attempts.Any(a => a.Conversation == c && a.Sent > after && a.Status == 200 && (answered?.Invoke(a) ?? true)))
               && Now < until)
            await Task.Delay(100);
    }

    /// <summary>Writes the attempts <paramref name="which"/> selects, their times relative to <paramref name="origin"/>.</summary>
    public void Report(Xunit.Abstractions.ITestOutputHelper output, TimeSpan origin, Func<TurnAttempt, bool> which)
    {
        foreach (var a in Attempts.Where(which))
            output.WriteLine($"{a.Conversation[^6..]} sent {(a.Sent - origin).TotalSeconds,6:F1} s ended {(a.Ended - origin).TotalSeconds,6:F1} s {a.Status} {a.RetryAfter} {a.Silo}");
    }

    /// <summary>Runs every conversation until <paramref name="stop"/> is cancelled; a turn already sent is awaited.</summary>
    public Task RunAsync(CancellationToken stop) => Task.WhenAll(conversations.Select(c => Task.Run(() => Converse(c, stop))));

    private async Task Converse(string conversation, CancellationToken stop)
    {
        for (var turn = 0; !stop.IsCancellationRequested; turn++)
        {
            var question = $"What is <region1>? ({turn})";
            while (!stop.IsCancellationRequested)
            {
                var attempt = await Ask(conversation, question);
                lock (_attempts) _attempts.Add(attempt);
                if (attempt.Status == 200)
                {
                    if (pause > TimeSpan.Zero) await Task.Delay(pause, CancellationToken.None);
                    break;
                }
                await Task.Delay(TimeSpan.FromSeconds(int.TryParse(attempt.RetryAfter, out var wait) ? Math.Min(wait, 2) : 1));
            }
        }
    }

    private async Task<TurnAttempt> Ask(string conversation, string question)
    {
        Interlocked.Increment(ref _inFlight);
        try
        {
            return await Send(conversation, question);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private async Task<TurnAttempt> Send(string conversation, string question)
    {
        var sent = Now;
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/conversations/{conversation}/messages") { Content = Json(Message(question, maxNewTokens)) };
        request.Headers.Accept.ParseAdd("application/json");
        try
        {
            using var response = await http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            string? silo = null, answer = null;
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var json = JsonDocument.Parse(body).RootElement;
                silo = json.GetProperty("silo").GetString();
                answer = json.GetProperty("text").GetString();
            }
            return new TurnAttempt(conversation, question, sent, Now, (int)response.StatusCode,
                response.Headers.RetryAfter?.Delta is { } delta ? ((int)delta.TotalSeconds).ToString() : null, silo, answer, body);
        }
        catch (Exception failure) when (failure is HttpRequestException or TaskCanceledException)
        {
            // No HTTP answer at all (the client's own timeout): recorded as status 0, which no test accepts.
            return new TurnAttempt(conversation, question, sent, Now, 0, null, null, null, failure.Message);
        }
    }

    /// <summary>
    /// Checks a conversation's stored messages against what its client saw: user/assistant pairs in order,
    /// every answered turn (200) there with its answer, and nothing else but whole turns whose reply the
    /// client did not get (an interrupted turn is stored whole or not at all).
    /// </summary>
    public void AssertHistory(string conversation, IReadOnlyList<(string Role, string Text)> messages)
    {
        Assert.True(messages.Count % 2 == 0, $"{conversation}: odd number of messages ({messages.Count})");
        var attempts = Attempts.Where(a => a.Conversation == conversation).ToList();
        var answered = attempts.Where(a => a.Status == 200).ToList();
        var pairs = Enumerable.Range(0, messages.Count / 2).Select(i => (User: messages[2 * i], Assistant: messages[2 * i + 1])).ToList();
        Assert.All(pairs, p => Assert.Equal(("user", "assistant"), (p.User.Role, p.Assistant.Role)));
        var next = 0;
        foreach (var (user, assistant) in pairs)
        {
            if (next < answered.Count && user.Text == answered[next].Question && assistant.Text == answered[next].Answer)
            {
                next++;
                continue;
            }
            // An extra pair must be a question this conversation asked and was not answered (yet).
            Assert.Contains(attempts, a => a.Question == user.Text && a.Status != 200);
        }
        Assert.True(next == answered.Count, $"{conversation}: answered turn '{(next < answered.Count ? answered[next].Question : "")}' is missing from the stored history");
    }
}
