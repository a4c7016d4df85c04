using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Osprey.Engine.Regions;
using OspreyCluster.Gateway.Contracts;
using OspreyCluster.Gateway.Failover;
using OspreyCluster.Gateway.Hosting;
using OspreyCluster.Gateway.Problems;
using OspreyCluster.Gateway.Regions;
using OspreyCluster.Gateway.Requests;
using OspreyCluster.Gateway.Streaming;
using OspreyCluster.Grains.Images;
using OspreyCluster.Grains.Interfaces;

using OspreyCluster.Gateway.Security;

namespace OspreyCluster.Gateway.OpenAi;

/// <summary>
/// The OpenAI-compatible API: <c>GET /v1/models</c> and <c>POST /v1/chat/completions</c>. A request is
/// stateless (the client resends the history each turn) and runs on the silo holding its image, whose
/// prefix cache finds the turns it has already computed, so a follow-up prefills only what is new.
/// </summary>
public static class OpenAiEndpoints
{
    public const string Tag = "OpenAI-compatible";

    public static void MapOpenAiEndpoints(this IEndpointRouteBuilder app, ApiAccess access)
    {
        var openAi = app.MapGroup("/v1").WithTags(Tag).Guard(access);
        openAi.MapGet("/models", Models)
            .WithSummary("The served model (OpenAI's model list)")
            .Produces<ModelList>();
        openAi.MapPost("/chat/completions", Complete)
            .WithBodyLimit(RequestBodyLimit.ChatCompletion)
            .CapConcurrentTurns()
            .Accepts<ChatCompletionRequestSchema>("application/json")
            .WithSummary("OpenAI chat completion about regions of one image: the image as a data: URL in the first user message, " +
                         "regions as a top-level \"regions\" array (or the alpha channel of an RGBA PNG), referred to as <region1>, <region2>, …")
            .Produces<ChatCompletion>()
            .Produces(200, contentType: ServerSentEventWriter.MediaType)
            .Produces<OpenAiError>(400).Produces<OpenAiError>(404);
    }

    private static async Task Models(HttpContext context, IGrainFactory grains)
    {
        try
        {
            var model = await grains.GetGrain<IServedModelGrain>(0).Get();
            await context.Response.WriteAsJsonAsync(new ModelList("list", [new ModelCard(model.Id, "model", 0, "osprey-cluster", model.ContextLength)]));
        }
        catch (Exception failure)
        {
            await WriteError(context, failure);
        }
    }

    private static async Task Complete(HttpContext context, IGrainFactory grains, IOptions<GatewayOptions> options,
        IOptions<JsonOptions> json, SiloDeathWatch watch, ILoggerFactory loggers)
    {
        var aborted = context.RequestAborted;
        ChatCompletionCall call;
        ServedModel model;
        WatchedTurn? events = null;
        TurnEvent? first;
        try
        {
            using var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: aborted);
            call = ChatCompletionParser.Parse(body.RootElement, json.Value.SerializerOptions);
            model = await grains.GetGrain<IServedModelGrain>(0).Get();
            if (call.Model is { } asked && asked != model.Id)
                throw new OpenAiRequestException(404, $"the model '{asked}' is not served here; this cluster serves '{model.Id}'", "model", "model_not_found");

            var image = grains.GetGrain<IImageGrain>(ResourceIds.ImageKey(context, ImageId.Of(call.Image)));
            var info = await image.Upload(call.Image);
            var regions = call.Regions is { Length: > 0 } given
                ? RegionMaskParser.Parse(given, info, options.Value.MaxRegions)
                : AlphaRegions(call.Image);
            var request = new CompletionRequest { Regions = regions, History = call.History, Question = call.Question };
            events = WatchedTurn.Start(watch, cancel => image.Complete(request, cancel), aborted);
            // The first text comes after every check on the silo, so a refusal is still a proper 4xx.
            first = await events.NextAsync();
        }
        catch (Exception failure)
        {
            if (events is not null) await events.DisposeAsync();
            await WriteError(context, failure);
            return;
        }

        await using var _ = events;
        var id = $"chatcmpl-{Guid.NewGuid():N}";
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        if (!call.Stream)
        {
            try
            {
                var text = new StringBuilder();
                var pending = first;
                while (pending is { Result: null })
                {
                    text.Append(pending.Text);
                    pending = await events.NextAsync();
                }
                var result = pending?.Result ?? throw new InvalidOperationException("the answer ended without its result");
                await context.Response.WriteAsJsonAsync(new ChatCompletion(id, "chat.completion", created, model.Id,
                    [new ChatChoice(0, new ChatReplyMessage("assistant", result.Text), result.FinishReason)], Usage(result)), aborted);
            }
            catch (Exception failure) when (!aborted.IsCancellationRequested)
            {
                await WriteError(context, failure);
            }
            return;
        }

        var sse = new ServerSentEventWriter(context.Response, json.Value.SerializerOptions);
        await sse.StartAsync(aborted);
        ChatCompletionChunk Chunk(ChatDelta delta, string? finish) => new(id, "chat.completion.chunk", created, model.Id, [new ChatChunkChoice(0, delta, finish)], null);
        try
        {
            await sse.WriteDataAsync(Chunk(new ChatDelta("assistant", ""), null), aborted);
            var pending = first;
            while (pending is { Result: null })
            {
                if (!string.IsNullOrEmpty(pending.Text)) await sse.WriteDataAsync(Chunk(new ChatDelta(null, pending.Text), null), aborted);
                pending = await events.NextAsync();
            }
            var result = pending?.Result ?? throw new InvalidOperationException("the answer ended without its result");
            await sse.WriteDataAsync(Chunk(new ChatDelta(null, null), result.FinishReason), aborted);
            if (call.IncludeUsage)
                await sse.WriteDataAsync(new ChatCompletionChunk(id, "chat.completion.chunk", created, model.Id, [], Usage(result)), aborted);
            await sse.WriteDoneAsync(aborted);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client left; disposing the enumerator cancels the generation on its silo.
        }
        catch (Exception failure)
        {
            var (status, error) = OpenAiError.For(failure);
            if (status >= 500) loggers.CreateLogger(typeof(OpenAiEndpoints)).LogError(failure, "streamed chat completion failed");
            // Headers are gone: the error travels in-band, as OpenAI's streams report it.
            if (!aborted.IsCancellationRequested) await sse.WriteDataAsync(error, CancellationToken.None);
        }
    }

    /// <summary>Describe Anything's convention when no regions are given: the alpha channel of an RGBA PNG is region1.</summary>
    private static IReadOnlyList<RegionMaskDto> AlphaRegions(byte[] image)
    {
        if (AlphaRegion.FromPng(image) is not { } mask) return [];
        var rle = CocoRle.Encode(mask);
        return [new RegionMaskDto { Name = "alpha", RleSize = [rle.Height, rle.Width], RleCountsString = rle.ToCompressedString() }];
    }

    private static ChatUsage Usage(TurnResult result) => new(result.PromptTokens, result.GeneratedTokens,
        result.PromptTokens + result.GeneratedTokens, new PromptTokenDetails(result.CachedTokens));

    private static async Task WriteError(HttpContext context, Exception failure)
    {
        var (status, error) = OpenAiError.For(failure);
        if (status >= 500) context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(OpenAiEndpoints)).LogError(failure, "chat completion failed");
        if (context.Response.HasStarted) return;
        context.Response.StatusCode = status;
        RetryAfter.Apply(context.Response, failure, status);
        await context.Response.WriteAsJsonAsync(error);
    }
}
