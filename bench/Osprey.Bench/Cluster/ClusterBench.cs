using System.Diagnostics;
using Osprey.Bench.Engine;
using Osprey.Engine.Generation;
using Osprey.Engine.Prompting;
using Osprey.Engine.Serving;
using OspreyCluster.Grains.Conversations;
using OspreyCluster.Grains.Interfaces;
using OspreyCluster.Grains.Regions;

namespace Osprey.Bench.Cluster;

/// <summary>
/// The cluster path through the product itself: a one-silo <see cref="InProcessCluster"/> (the gateway
/// with its embedded silo), driven over the gateway's HTTP API, so every turn runs through the
/// conversation grain, the image grain, placement and the silo's engine as a user's does. The stock path
/// (re-encode + full prefill) is the same prompt sent statelessly to the OpenAI-compatible API by another
/// tenant, whose copy of the image has no features or cached prompt. Grain traffic is sized in Orleans' wire format.
/// </summary>
public static class ClusterBench
{
    private const int Width = 640, Height = 480;
    private const string Tenant = "bench";

    /// <summary>The warm-up's stock turn asks as a tenant of its own, so that no stock turn timed later finds its prefix cached.</summary>
    private const string WarmUpStockTenant = "stock-warm-up";

    public static async Task<ClusterResult> RunAsync(string name, string modelDirectory, string dtype, ClusterBenchSettings settings, Action<string> log)
    {
        // One tenant holds the conversations; each stock turn gets a tenant of its own, so nothing it asks is cached.
        var keys = new[] { $"{Tenant}:{Tenant}-key", $"{WarmUpStockTenant}:{WarmUpStockTenant}-key" }.Concat(settings.StockTurns.Select(t => $"stock{t}:stock{t}-key"));
        log($"cluster: starting the gateway with its silo ({name}, {dtype})");
        PeakMemory.Reset();
        await using var cluster = await InProcessCluster.StartAsync(1,
        [
            $"--Osprey:ModelDirectory={modelDirectory}",
            $"--Osprey:DType={dtype}",
            "--Osprey:MaxBatchSize=16",
            $"--Osprey:MemoryBudgetBytes={settings.MemoryBudgetBytes}",
            "--Osprey:TurnDeadline=01:00:00",
            "--Osprey:ResponseTimeout=00:30:00",
            $"--Osprey:ApiKeys={string.Join(',', keys)}",
            .. settings.EncodeThreads is { } threads ? new[] { $"--Osprey:EncodeThreads={threads}" } : [],
            $"--Osprey:EncodeTurnPerStep={settings.EncodeTurnPerStep?.ToString(System.Globalization.CultureInfo.InvariantCulture)}",
            $"--Osprey:DecodeStepStretch={settings.DecodeStepStretch?.ToString(System.Globalization.CultureInfo.InvariantCulture)}",
        ]);
        var silo = cluster.Engines[0];
        using var http = cluster.Http($"{Tenant}-key");
        var api = new GatewayApi(http);
        using var wireSize = new TurnWireSize();
        var png = SyntheticImage.Png(Width, Height);
        double[] box = [Width * 0.3, Height * 0.3, Width * 0.7, Height * 0.7];
        var image = await api.UploadImage(png);

        log("cluster: first demand of the image (encode + shared prefix prefill, through a conversation's first turn)");
        var firstDemand = await api.Ask(await api.CreateConversation(image.Id, box), ClusterBenchSettings.Questions[^1], 1);
        var ensureMs = firstDemand.TtftMs;

        log($"cluster: warm-up (a conversation's turns for {settings.WarmUp.TotalSeconds:0.#} s, two to {ClusterBenchSettings.Questions.Count}, and one stock turn; untimed)");
        // Another region, so that no timed turn finds the warm-up's turns in the prefix cache (only the image's shared prefix).
        var warmUp = await api.CreateConversation(image.Id, [Width * 0.1, Height * 0.1, Width * 0.4, Height * 0.4]);
        var warmUpClock = Stopwatch.StartNew();
        var warmUpTurns = 0;
        for (; warmUpTurns < ClusterBenchSettings.Questions.Count && (warmUpTurns < 2 || warmUpClock.Elapsed < settings.WarmUp); warmUpTurns++)
            await api.Ask(warmUp, ClusterBenchSettings.Questions[warmUpTurns], settings.NewTokensPerTurn);
        var stockImages = 0;
        using (var warmUpStockHttp = cluster.Http($"{WarmUpStockTenant}-key"))
            await new GatewayApi(warmUpStockHttp).ChatCompletion(png, box, [], ClusterBenchSettings.Questions[0], 1);
        stockImages++;

        var conversation = await api.CreateConversation(image.Id, box);
        long residentPerImage = 0;
        var turns = new List<TurnTiming>();
        var wire = new List<TurnWire>();
        var history = new List<(string User, string Assistant)>();
        var regionDtos = new[] { new RegionMaskDto { Box = box } };
        var regions = RegionDecoding.DecodeAll(regionDtos, Width, Height);
        var state = new ConversationState
        {
            ImageId = image.Id,
            Regions = [.. regions.Select(r => new RegionView(r.Name, [r.Height, r.Width], r.RleCounts, r.Area))],
        };
        using var latencies = new EngineLatencyRecorder(cluster.SiloLabels);
        for (var turn = 1; turn <= settings.Turns; turn++)
        {
            var question = ClusterBenchSettings.Questions[(turn - 1) % ClusterBenchSettings.Questions.Count];
            // Turn 1 has finished: the image's features, its prefix cache and the conversation's cache are resident.
            if (turn == 2) residentPerImage = (await Metrics(cluster)).Silos.Sum(s => s.BytesResident);
            log($"cluster: turn {turn} from the conversation cache");
            latencies.Take();
            var runtimeBefore = RuntimeWork.Now();
            var threadsBefore = ThreadCpuTimes.Now();
            var cached = await api.Ask(conversation, question, settings.NewTokensPerTurn);
            var cachedWork = new TurnWork(latencies.Take(), RuntimeWork.Now() - runtimeBefore, ThreadCpuTimes.Now().Since(threadsBefore, top: 6));

            (double Ms, string Text, int PromptTokens, int CachedTokens)? stock = null;
            if (settings.StockTurns.Contains(turn))
            {
                log($"cluster: turn {turn} by the stock path");
                using var stockHttp = cluster.Http($"stock{turn}-key");
                stock = await new GatewayApi(stockHttp).ChatCompletion(png, box, history, question, 1);
                stockImages++;
            }
            var stockFirst = stock?.Text.Trim();
            turns.Add(new TurnTiming(turn, cached.Result.PromptTokens, cached.Result.PrefilledTokens, cached.TtftMs,
                stock?.Ms, stock is { } s ? s.PromptTokens - s.CachedTokens : null,
                string.IsNullOrEmpty(stockFirst) ? null : cached.Result.Text.StartsWith(stockFirst, StringComparison.Ordinal))
            { Work = cachedWork });

            var turnRequest = new TurnRequest { Text = question, MaxNewTokens = settings.NewTokensPerTurn };
            state.Turns.Add(new StoredTurn
            {
                UserText = question, AnswerText = cached.Result.Text,
                AnswerIds = [.. silo.Engine.Tokenizer.EncodeSentencePiece(cached.Result.Text)],
                FinishReason = cached.Result.FinishReason, MaxNewTokens = settings.NewTokensPerTurn, Silo = cached.Result.Silo,
            });
            var events = TurnEvents(cached);
            wire.Add(new TurnWire(turn, wireSize.Of(turnRequest), events.Count, events.Sum(wireSize.Of), wireSize.Of(state)));
            history.Add((question, cached.Result.Text));
        }

        var concurrency = new List<ConcurrencyTiming>();
        foreach (var (n, tokens) in settings.Concurrency.Select(n => (n, settings.NewTokensPerConcurrentTurn))
                     .Concat(settings.LongAnswerConcurrency.Select(n => (n, settings.LongAnswerTokens))))
        {
            log($"cluster: {n} concurrent conversations, answers of up to {tokens} tokens, batched then one at a time");
            var batchedIds = await Task.WhenAll(Enumerable.Range(0, n).Select(_ => api.CreateConversation(image.Id, box)));
            var sequentialIds = await Task.WhenAll(Enumerable.Range(0, n).Select(_ => api.CreateConversation(image.Id, box)));
            string Question(int i) => ClusterBenchSettings.Questions[i % ClusterBenchSettings.Questions.Count];
            latencies.Take();
            var watch = Stopwatch.StartNew();
            var batched = await Task.WhenAll(batchedIds.Select((id, i) => api.Ask(id, Question(i), tokens)));
            var batchedMs = watch.Elapsed.TotalMilliseconds;
            var batchedLatencies = latencies.Take();
            watch.Restart();
            var sequential = new List<StreamedTurn>();
            for (var i = 0; i < n; i++) sequential.Add(await api.Ask(sequentialIds[i], Question(i), tokens));
            var sequentialMs = watch.Elapsed.TotalMilliseconds;
            concurrency.Add(new ConcurrencyTiming(n, batched.Sum(r => r.Result.GeneratedTokens), batchedMs,
                sequential.Sum(r => r.Result.GeneratedTokens), sequentialMs)
            {
                TokensPerAnswer = tokens,
                Batched = batchedLatencies,
                Sequential = latencies.Take(),
            });
        }
        var conversationEncodes = (await Metrics(cluster)).ImageEncodesTotal - stockImages;

        // The stall is the engine's: timed token by token on the silo's engine, beside the grains' work,
        // with prompts from the one prompt builder on the image the conversations use.
        var source = new ImageSource(TenantKey.Scope(Tenant, image.Id), png);
        var masks = new RegionMaskSet(Width, Height, [.. regions.Select(r => r.Mask)]);
        SequenceRequest Conversation(ImageSource on, int question)
        {
            var prompt = ChatPrompt.Conversation(silo.Engine.Tokenizer, 1);
            prompt.AddUser(ClusterBenchSettings.Questions[question % ClusterBenchSettings.Questions.Count]);
            return SequenceRequest.For(on, prompt, masks, SamplingParams.Greedy with { MaxNewTokens = 1 });
        }
        var stall = await EncodeStallBench.MeasureAsync((ServingEngine)silo.Engine, source, () => Conversation(source, 0), fresh => Conversation(fresh, 1), log, latencies);

        // Conversations asking together, batched and then one at a time.
        var together = 2 * (settings.Concurrency.Sum() + settings.LongAnswerConcurrency.Sum());
        return new ClusterResult
        {
            Model = name,
            DType = dtype,
            ImageEnsureMs = ensureMs,
            SiloWarmUpMs = (await ((ServingEngine)silo.Engine).WarmedUp).TotalMilliseconds,
            Turns = turns,
            Concurrency = concurrency,
            ConversationImageEncodes = conversationEncodes,
            EncodeThreads = settings.EncodeThreads,
            EncodeTurnPerStep = settings.EncodeTurnPerStep,
            DecodeStepStretch = settings.DecodeStepStretch,
            EncodeStall = stall,
            PeakRssBytes = PeakMemory.HighWaterBytes(),
            EndRssBytes = PeakMemory.ResidentBytes(),
            ConversationImages = 1,
            // The first demand's, the warm-up's, the timed one and those asking together (one turn each).
            Conversations = 3 + together,
            ConversationTurnsServed = 1 + warmUpTurns + settings.Turns + together,
            StockImageEncodes = stockImages,
            ResidentBytesPerImage = residentPerImage,
            Wire = wire,
            CreateConversationBytes = wireSize.Of(new CreateConversation(image.Id, regionDtos)),
            ImageUploadBytes = wireSize.Of(png),
        };
    }

    private static Task<ClusterMetrics> Metrics(InProcessCluster cluster) => cluster.Grains.GetGrain<IClusterMetricsGrain>(0).Get();

    /// <summary>The events the conversation grain streamed for the answer: each text piece the client received, then the result.</summary>
    private static List<TurnEvent> TurnEvents(StreamedTurn turn)
    {
        var events = turn.Pieces.Select(p => new TurnEvent(p, null)).ToList();
        events.Add(new TurnEvent(null, new TurnResult
        {
            Text = turn.Result.Text,
            Silo = turn.Result.Silo,
            PromptTokens = turn.Result.PromptTokens,
            PrefilledTokens = turn.Result.PrefilledTokens,
            GeneratedTokens = turn.Result.GeneratedTokens,
            FinishReason = turn.Result.FinishReason,
        }));
        return events;
    }
}
