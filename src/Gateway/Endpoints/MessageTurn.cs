using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using OspreyCluster.Gateway.Contracts;
using OspreyCluster.Gateway.Failover;
using OspreyCluster.Gateway.Hosting;
using OspreyCluster.Gateway.Problems;
using OspreyCluster.Gateway.Requests;
using OspreyCluster.Gateway.Streaming;
using OspreyCluster.Grains.Interfaces;

namespace OspreyCluster.Gateway.Endpoints;

/// <summary>
/// POST /v1/conversations/{id}/messages. The first event is awaited before anything is written, so a
/// refusal from the conversation grain (unknown region, prompt too long) is still a proper 4xx problem;
/// after that the answer streams, and a client that goes away cancels the generation. A call the cluster
/// could not deliver is asked again a few times before it is reported (see <see cref="Start"/>); a turn
/// whose silo dies ends when membership says so (<see cref="WatchedTurn"/>).
/// </summary>
public static class MessageTurn
{
    public static async Task Run(string id, MessageBody body, HttpContext context, IGrainFactory grains,
        IOptions<GatewayOptions> options, IOptions<JsonOptions> json, SiloDeathWatch watch, ILoggerFactory loggers)
    {
        var turn = TurnValidation.ToTurnRequest(body, options.Value.MaxNewTokensLimit);
        var grain = grains.GetGrain<IRegionConversationGrain>(ResourceIds.ConversationKeyOf(context, id));
        var aborted = context.RequestAborted;

        var (events, pending) = await Start(grain, turn, watch, aborted);
        await using var _ = events;

        if (!ServerSentEventWriter.IsRequested(context.Request))
        {
            var text = new StringBuilder();
            while (pending is { Result: null })
            {
                text.Append(pending.Text);
                pending = await events.NextAsync();
            }
            await TypedResults.Ok(Reply(RequireResult(pending))).ExecuteAsync(context);
            return;
        }

        var sse = new ServerSentEventWriter(context.Response, json.Value.SerializerOptions);
        await sse.StartAsync(aborted);
        try
        {
            while (pending is { Result: null })
            {
                if (!string.IsNullOrEmpty(pending.Text))
                    await sse.WriteAsync("token", new TokenEvent(pending.Text), aborted);
                pending = await events.NextAsync();
            }
            await sse.WriteAsync("done", Reply(RequireResult(pending)), aborted);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client left; disposing the enumerator cancels the turn on its silo.
        }
        catch (Exception failure)
        {
            // Headers are gone already: report the failure in-band as a problem-shaped 'error' event.
            var (status, reason) = RequestProblemHandler.Classify(failure);
            if (status >= 500)
                loggers.CreateLogger(typeof(MessageTurn)).LogError(failure, "streamed turn of conversation {Id} failed", id);
            if (!aborted.IsCancellationRequested)
                await sse.WriteAsync("error", RequestProblem.Create(status, reason), CancellationToken.None);
        }
    }

    /// <summary>
    /// Waits for the turn's first event. A silo that stopped a moment ago can still be where the directory
    /// sends the call; the rejection comes before the turn ran (a turn is stored only once answered), so
    /// the turn is asked again while membership catches up, and only then reported as a 503.
    /// </summary>
    private static async Task<(WatchedTurn Events, TurnEvent? First)> Start(
        IRegionConversationGrain grain, TurnRequest turn, SiloDeathWatch watch, CancellationToken aborted)
    {
        for (int attempt = 0; ; attempt++)
        {
            var events = WatchedTurn.Start(watch, cancel => grain.Ask(turn, cancel), aborted);
            try
            {
                return (events, await events.NextAsync());
            }
            catch (Exception failure) when (attempt < RetryDelays.Length && TransientClusterFailure.Is(failure) && !aborted.IsCancellationRequested)
            {
                await events.DisposeAsync();
                await Task.Delay(RetryDelays[attempt], aborted);
            }
            catch
            {
                await events.DisposeAsync();
                throw;
            }
        }
    }

    private static readonly TimeSpan[] RetryDelays = [TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3)];

    private static TurnResult RequireResult(TurnEvent? last) =>
        last?.Result ?? throw new InvalidOperationException("the conversation's answer ended without its final result");

    private static MessageReply Reply(TurnResult result) =>
        new(result.Text, result.Silo, result.PromptTokens, result.PrefilledTokens, result.GeneratedTokens, result.FinishReason);
}
