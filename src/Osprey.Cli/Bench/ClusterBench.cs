using System.Diagnostics;
using Osprey.Engine;
using Osprey.Engine.Generation;
using Osprey.Engine.Prompting;
using Osprey.Engine.Serving;
using Osprey.Engine.Tokenization;
using OspreyCluster.Grains.Conversations;
using OspreyCluster.Grains.Images;
using OspreyCluster.Grains.Interfaces;
using OspreyCluster.Grains.Regions;

namespace Osprey.Cli.Bench;

/// <summary>
/// The cluster path on one silo's <see cref="ServingEngine"/>, the loop the conversation grains call:
/// prompts are built exactly as <see cref="RegionConversationGrain"/> builds them
/// (<see cref="ConversationPrompt"/>, <see cref="RegionReferences"/>), so a follow-up prefills only its
/// new tokens, and the stock path is the same request against a not-yet-resident image with no
/// conversation cache (re-encode + full prefill). Grain traffic is sized in Orleans' wire format.
/// </summary>
public static class ClusterBench
{
    private const int Width = 640, Height = 480;

    public static async Task<ClusterResult> RunAsync(string name, OspreyEngine engine, ClusterBenchSettings settings, Action<string> log)
    {
        var dtype = Osprey.Engine.Devices.DTypeName.Format(engine.Model.DType);
        using var serving = ServingEngine.Start(engine, new ServingOptions { MaxBatchSize = 16, MemoryBudgetBytes = settings.MemoryBudgetBytes, EncodeThreads = settings.EncodeThreads });
        using var wireSize = new TurnWireSize();
        var png = SyntheticImage.Png(Width, Height);
        var image = new ImageSource(ImageId.Of(png), png);
        var regionDtos = new[] { new RegionMaskDto { Name = "r1", Box = [Width * 0.3, Height * 0.3, Width * 0.7, Height * 0.7] } };
        var regions = RegionDecoding.DecodeAll(regionDtos, Width, Height);
        var masks = new RegionMaskSet(Width, Height, [.. regions.Select(r => r.Mask)]);

        log("cluster: first demand of the image (encode + shared prefix prefill)");
        var ensureMs = await TimeAsync(() => serving.EnsureImage(image));
        long residentPerImage = 0;

        var turns = new List<TurnTiming>();
        var wire = new List<TurnWire>();
        var state = new ConversationState
        {
            ImageId = image.Id,
            Regions = [.. regions.Select(r => new RegionView(r.Name, [r.Height, r.Width], r.RleCounts, r.Area))],
        };
        var prompt = ChatPrompt.Conversation(serving.Tokenizer, regions.Count);
        var stockImages = 0;
        for (var turn = 1; turn <= settings.Turns; turn++)
        {
            var question = ClusterBenchSettings.Questions[(turn - 1) % ClusterBenchSettings.Questions.Count];
            prompt.AddUser(question);
            var request = SequenceRequest.For(image, prompt, masks, SamplingParams.Greedy with { MaxNewTokens = settings.NewTokensPerTurn });
            // Turn 1 has finished: the image's features, its prefix cache and the conversation's cache are resident.
            if (turn == 2) residentPerImage = serving.Metrics().BytesResident;
            log($"cluster: turn {turn} from the conversation cache");
            var cached = await RunTurn(serving, request);

            TurnRun? stock = null;
            if (settings.StockTurns.Contains(turn))
            {
                log($"cluster: turn {turn} by the stock path");
                // Same bytes under a fresh id: nothing resident, so the engine re-encodes and prefills everything.
                var fresh = new ImageSource($"{image.Id}-stock-{turn}", png);
                stock = await RunTurn(serving, request with { Image = fresh, Sampling = request.Sampling with { MaxNewTokens = 1 } });
                serving.ReleaseImage(fresh.Id);
                stockImages++;
            }
            turns.Add(new TurnTiming(turn, cached.Outcome.PromptPositions, cached.Outcome.PrefilledPositions, cached.TtftMs,
                stock?.TtftMs, stock?.Outcome.PrefilledPositions, stock is null ? null : stock.FirstToken == cached.FirstToken));

            var turnRequest = new TurnRequest { Text = question, MaxNewTokens = settings.NewTokensPerTurn };
            var events = TurnEvents(serving.Tokenizer, cached.Outcome);
            var answer = serving.Tokenizer.Decode(cached.Outcome.GeneratedIds).Trim();
            state.Turns.Add(new StoredTurn
            {
                UserText = question, AnswerText = answer, AnswerIds = [.. cached.Outcome.GeneratedIds],
                FinishReason = cached.Outcome.FinishReason, MaxNewTokens = settings.NewTokensPerTurn, Silo = "127.0.0.1:11111@1",
            });
            wire.Add(new TurnWire(turn, wireSize.Of(turnRequest), events.Count, events.Sum(wireSize.Of), wireSize.Of(state)));
            prompt.AddAnswer(cached.Outcome.GeneratedIds);
        }

        var concurrency = new List<ConcurrencyTiming>();
        foreach (var n in settings.Concurrency)
        {
            log($"cluster: {n} concurrent conversations, batched then one at a time");
            SequenceRequest FirstTurn(int i)
            {
                var p = ChatPrompt.Conversation(serving.Tokenizer, regions.Count);
                p.AddUser(ClusterBenchSettings.Questions[i % ClusterBenchSettings.Questions.Count]);
                return SequenceRequest.For(image, p, masks, SamplingParams.Greedy with { MaxNewTokens = settings.NewTokensPerConcurrentTurn });
            }
            var watch = Stopwatch.StartNew();
            var batched = await Task.WhenAll(Enumerable.Range(0, n).Select(i => RunTurn(serving, FirstTurn(i))));
            var batchedMs = watch.Elapsed.TotalMilliseconds;
            watch.Restart();
            var sequential = new List<TurnRun>();
            for (var i = 0; i < n; i++) sequential.Add(await RunTurn(serving, FirstTurn(i)));
            var sequentialMs = watch.Elapsed.TotalMilliseconds;
            concurrency.Add(new ConcurrencyTiming(n, batched.Sum(r => r.Outcome.GeneratedIds.Count), batchedMs,
                sequential.Sum(r => r.Outcome.GeneratedIds.Count), sequentialMs));
        }

        SequenceRequest Conversation(ImageSource on, int question, int newTokens)
        {
            var p = ChatPrompt.Conversation(serving.Tokenizer, regions.Count);
            p.AddUser(ClusterBenchSettings.Questions[question % ClusterBenchSettings.Questions.Count]);
            return SequenceRequest.For(on, p, masks, SamplingParams.Greedy with { MaxNewTokens = newTokens });
        }
        var stall = await EncodeStallBench.MeasureAsync(serving, image, () => Conversation(image, 0, 1), fresh => Conversation(fresh, 1, 1), log);

        var metrics = serving.Metrics();
        return new ClusterResult
        {
            Model = name,
            DType = dtype,
            ImageEnsureMs = ensureMs,
            Turns = turns,
            Concurrency = concurrency,
            // The stall measurement encodes its copies of the image on purpose, as the stock path does.
            ConversationImageEncodes = metrics.ImageEncodes - stockImages - EncodeStallBench.Encodes,
            EncodeThreads = settings.EncodeThreads,
            EncodeStall = stall,
            ConversationImages = 1,
            ConversationTurnsServed = settings.Turns + 2 * settings.Concurrency.Sum(),
            StockImageEncodes = stockImages,
            ResidentBytesPerImage = residentPerImage,
            Wire = wire,
            CreateConversationBytes = wireSize.Of(new CreateConversation(image.Id, regionDtos)),
            ImageUploadBytes = wireSize.Of(png),
        };
    }

    private sealed record TurnRun(double TtftMs, int FirstToken, SequenceOutcome Outcome);

    /// <summary>Streams one sequence; time to first token is when the first sampled id arrives (or the outcome, if none).</summary>
    private static async Task<TurnRun> RunTurn(ServingEngine serving, SequenceRequest request)
    {
        var watch = Stopwatch.StartNew();
        double? ttft = null;
        var first = -1;
        SequenceOutcome? outcome = null;
        await foreach (var item in serving.Generate(request))
        {
            if (item.IsToken)
            {
                if (ttft is null) { ttft = watch.Elapsed.TotalMilliseconds; first = item.TokenId; }
            }
            else outcome = item.Outcome;
        }
        return new TurnRun(ttft ?? watch.Elapsed.TotalMilliseconds, first,
            outcome ?? throw new InvalidOperationException("the engine ended a sequence without an outcome"));
    }

    /// <summary>The events the conversation grain streams for an answer: each non-empty text piece, then the result.</summary>
    private static List<TurnEvent> TurnEvents(OspreyTokenizer tokenizer, SequenceOutcome outcome)
    {
        var events = new List<TurnEvent>();
        var text = new StreamingDetokenizer(tokenizer);
        foreach (var id in outcome.GeneratedIds)
        {
            var piece = text.Push(id);
            if (piece.Length > 0) events.Add(new TurnEvent(piece, null));
        }
        var tail = text.Flush();
        if (tail.Length > 0) events.Add(new TurnEvent(tail, null));
        events.Add(new TurnEvent(null, new TurnResult
        {
            Text = tokenizer.Decode(outcome.GeneratedIds).Trim(),
            Silo = "127.0.0.1:11111@1",
            PromptTokens = outcome.PromptPositions,
            PrefilledTokens = outcome.PrefilledPositions,
            GeneratedTokens = outcome.GeneratedIds.Count,
            FinishReason = outcome.FinishReason,
        }));
        return events;
    }

    private static async Task<double> TimeAsync(Func<Task> action)
    {
        var watch = Stopwatch.StartNew();
        await action();
        return watch.Elapsed.TotalMilliseconds;
    }
}
