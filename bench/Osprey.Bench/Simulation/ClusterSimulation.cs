using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Osprey.Bench.Load;
using Orleans.Runtime;
using Osprey.Engine.Tokenization;
using OspreyCluster.Gateway.Hosting;
using OspreyCluster.Grains.Hosting;
using OspreyCluster.Grains.Interfaces;
using SkiaSharp;

namespace Osprey.Bench.Simulation;

/// <summary>
/// The cluster past one machine: real silos (the product's host composition with Redis membership and
/// storage, the real grains and placement directors) and the real gateway's cluster client, every
/// silo's engine a <see cref="SimulatedEngine"/> on one <see cref="SimulationClock"/>. Users arrive
/// as a Poisson process at a share of the modelled capacity, each asking a few turns about one image
/// chosen by Zipf popularity, pausing between turns; silos are killed outright mid-run, and a turn
/// that fails is sent again after its Retry-After, as a client does.
/// </summary>
public static class ClusterSimulation
{
    private const int Width = 64, Height = 48;

    public static async Task<SimulationResult> RunAsync(SimulationSettings settings, CostModel cost, string tokenizerDirectory, Action<string> log)
    {
        var wall = Stopwatch.StartNew();
        var random = new Random(settings.Seed);
        var tokenizer = OspreyTokenizer.Load(tokenizerDirectory);
        var clock = new SimulationClock();
        var tickets = new ConcurrentDictionary<long, TurnTicket>();
        var engines = new ConcurrentBag<SimulatedEngine>();

        await using var redis = await RedisProcess.StartAsync();
        var clusterId = $"simulation-{Guid.NewGuid():N}";
        string[] Common() =>
        [
            .. settings.LoadReportInterval is { } report ? [$"--Osprey:LoadReportInterval={report:c}"] : Array.Empty<string>(),
            $"--Osprey:Redis={redis.ConnectionString},abortConnect=false,connectTimeout=20000,syncTimeout=20000,asyncTimeout=20000",
            $"--Orleans:ClusterId={clusterId}",
            // Probes answered late on a loaded machine must not vote a live silo dead (which stops the whole process):
            // 2 s × 3 missed. Detection takes wall time only; simulated time waits for it after a kill.
            "--Osprey:ProbeTimeout=00:00:02",
            "--Osprey:MissedProbesLimit=3",
            "--Osprey:ResponseTimeout=00:00:10",
            "--Logging:LogLevel:Default=Error",
            "--Logging:LogLevel:Microsoft=Critical",
            "--Logging:LogLevel:Orleans=Critical",
            // Every host of the process would watch the working directory for changed settings files.
            "--hostBuilder:reloadConfigOnChange=false",
        ];

        log($"simulate: starting {settings.Silos} silos ({cost.Name} cost model) and the gateway");
        var silos = new (IHost Host, SimulatedEngineSource Source)[settings.Silos];
        var started = 0;
        foreach (var batch in Enumerable.Range(0, settings.Silos).Chunk(8))
            await Task.WhenAll(batch.Select(async i =>
            {
                var builder = Host.CreateApplicationBuilder([.. Common(), "--Osprey:Dashboard=false", $"--Orleans:SiloPort={FreePort()}", $"--Orleans:GatewayPort={FreePort()}"]);
                builder.AddOspreyCluster(OspreyHostRoles.Silo);
                var source = new SimulatedEngineSource($"silo{i}", clock, cost, tokenizer, tickets, settings.AnswerTokens, engines);
                builder.Services.AddSingleton<ISequenceEngineSource>(source);
                var host = builder.Build();
                await host.StartAsync();
                silos[i] = (host, source);
                Interlocked.Increment(ref started);
            }));
        var gateway = GatewayHost.Build(["--urls=http://127.0.0.1:0", .. Common()]);
        await gateway.StartAsync();
        try
        {
            var grains = gateway.Services.GetRequiredService<IClusterClient>();
            await WaitForActiveSilos(grains, settings.Silos);
            log($"simulate: {settings.Silos} silos active after {wall.Elapsed.TotalSeconds:F0} s");

            // The workload: each conversation's image by Zipf popularity, its arrival by a Poisson process.
            var popularity = Enumerable.Range(1, settings.Images).Select(k => Math.Pow(k, -settings.Zipf)).ToArray();
            var cumulative = new double[popularity.Length];
            for (double sum = 0, i = 0; i < popularity.Length; i++) cumulative[(int)i] = sum += popularity[(int)i];
            var conversationImages = Enumerable.Range(0, settings.Conversations)
                .Select(_ => Math.Min(settings.Images - 1, LowerBound(cumulative, random.NextDouble() * cumulative[^1]))).ToArray();
            var used = conversationImages.Distinct().Order().ToArray();
            log($"simulate: uploading the {used.Length} images the {settings.Conversations} conversations use");
            var imageIds = new ConcurrentDictionary<int, string>();
            foreach (var batch in used.Chunk(8))
                await Task.WhenAll(batch.Select(async rank =>
                {
                    var png = ImagePng(rank);
                    var id = OspreyCluster.Grains.Images.ImageId.Of(png);
                    // Placing an image asks every silo for its free memory and storing it writes Redis: on a loaded machine either may time out; uploads repeat safely.
                    for (var attempt = 1; ; attempt++)
                        try
                        {
                            await grains.GetGrain<IImageGrain>(id).Upload(png);
                            break;
                        }
                        catch (Exception) when (attempt < 5)
                        {
                            await Task.Delay(1000);
                        }
                    imageIds[rank] = id;
                }));
            log($"simulate: uploaded after {wall.Elapsed.TotalSeconds:F0} s");

            var capacity = ModelledCapacityPerSilo(cost, settings, tokenizer, used.Length);
            var conversationRate = settings.Load * capacity * settings.Silos / settings.Turns;
            var arrivals = new double[settings.Conversations];
            for (double t = 0, i = 0; i < arrivals.Length; i++) arrivals[(int)i] = t += -Math.Log(1 - random.NextDouble()) / conversationRate * 1000;
            log($"simulate: modelled capacity {capacity:F1} turns/s a silo; {conversationRate:F1} conversations/s arriving over {arrivals[^1] / 1000:F1} simulated s");

            var records = new ConcurrentBag<TurnRecord>();
            int lost = 0, failed = 0;
            var failures = new ConcurrentDictionary<string, int>();
            var think = new Random(settings.Seed + 1);
            var killed = new HashSet<int>();

            void Arrive(Conversation conversation, int turn, int attempt)
            {
                var ticket = TurnTicket.Open(clock, tickets);
                var sentAt = clock.NowMs;
                _ = Task.Run(async () =>
                {
                    RequestContext.Set(TurnTicket.ContextKey, ticket.Id);
                    double? firstToken = null;
                    try
                    {
                        var grain = grains.GetGrain<IRegionConversationGrain>(conversation.Key);
                        if (!conversation.Created)
                        {
                            await grain.Create(new CreateConversation(conversation.ImageId, [new RegionMaskDto { Box = [8, 8, 40, 40] }]));
                            conversation.Created = true;
                        }
                        TurnResult? result = null;
                        await foreach (var item in grain.Ask(new TurnRequest { Text = LoadSettings.Questions[(turn - 1) % LoadSettings.Questions.Count], MaxNewTokens = settings.AnswerTokens }))
                        {
                            // The first token's event is paid for here; the result's when the ticket closes,
                            // after the next turn is scheduled, so simulated time cannot run out before it.
                            // The announcement of the silo running the turn is no token and no modelled event.
                            if (item.IsAnnouncement) continue;
                            if (item.Result is null)
                            {
                                firstToken ??= clock.NowMs;
                                ticket.Pay();
                            }
                            else result = item.Result;
                        }
                        if (result is null) throw new InvalidOperationException("the turn ended without its result");
                        records.Add(new TurnRecord(turn, sentAt, (firstToken ?? clock.NowMs) - sentAt, clock.NowMs, result.Silo));
                        if (turn < settings.Turns)
                        {
                            double pause;
                            lock (think) pause = -Math.Log(1 - think.NextDouble()) * settings.ThinkSeconds * 1000;
                            clock.Schedule(clock.NowMs + pause, () => Arrive(conversation, turn + 1, 0));
                        }
                    }
                    catch (Exception failure)
                    {
                        Interlocked.Increment(ref failed);
                        failures.AddOrUpdate(failure is OspreyRequestException request ? $"{request.StatusCode}" : failure.GetType().Name, 1, (_, n) => n + 1);
                        // A failed turn is not stored (or stored whole): the client sends it again after Retry-After; a
                        // full queue's 503 says so itself, other failures are a silo that died, noticed by the cluster
                        // after the detection delay of the local cluster's settings.
                        var wait = failure is OspreyRequestException { StatusCode: 503 } ? settings.RetryAfterSeconds : settings.RetryAfterSeconds + DetectionSeconds;
                        if (attempt + 1 < settings.Attempts)
                            clock.Schedule(clock.NowMs + wait * 1000, () => Arrive(conversation, turn, attempt + 1));
                        else Interlocked.Increment(ref lost);
                    }
                    finally
                    {
                        RequestContext.Clear();
                        ticket.Close();
                    }
                });
            }

            for (var i = 0; i < settings.Conversations; i++)
            {
                var conversation = new Conversation(ConversationKey.New(imageIds[conversationImages[i]]), imageIds[conversationImages[i]]);
                clock.Schedule(arrivals[i], () => Arrive(conversation, 1, 0));
            }
            // Kills spread over the middle of the arrivals, each of a silo still alive.
            for (var k = 0; k < Math.Min(settings.KillSilos, settings.Silos - 1); k++)
            {
                var at = arrivals[^1] * (0.35 + 0.3 * k / Math.Max(1, settings.KillSilos - 1));
                clock.Schedule(at, () =>
                {
                    int victim;
                    lock (killed)
                    {
                        do victim = random.Next(settings.Silos); while (!killed.Add(victim));
                    }
                    var (host, source) = silos[victim];
                    source.Engine!.Kill();
                    clock.Begin();
                    _ = Task.Run(async () =>
                    {
                        try
                        {
                            // Killed outright: no drain, no hand-over; the others vote it dead by missed probes.
                            await host.StopAsync(new CancellationToken(canceled: true));
                            await WaitForActiveSilos(grains, settings.Silos - killed.Count);
                        }
                        catch (Exception e)
                        {
                            log($"simulate: stopping silo{victim}: {e.GetType().Name}: {e.Message}");
                        }
                        finally
                        {
                            clock.End();
                        }
                    });
                    log($"simulate: killed silo{victim} at {clock.NowMs / 1000:F1} simulated s");
                });
            }

            var progress = Stopwatch.StartNew();
            var writtenOff = 0;
            await clock.RunAsync(settings.WindowMs, () =>
            {
                if (progress.Elapsed.TotalSeconds < 15) return false;
                progress.Restart();
                log($"simulate: {clock.NowMs / 1000:F1} simulated s, {records.Count} turns answered, {failed} failed attempts " +
                    $"({string.Join(", ", failures.Select(f => $"{f.Value} × {f.Key}"))}), wall {wall.Elapsed.TotalSeconds:F0} s");
                _ = LogLoadBoard(grains, log);
                return false;
            }, TimeSpan.FromSeconds(settings.StallSeconds), () =>
            {
                var debts = tickets.Values.Where(t => t.InDebt).ToList();
                log($"simulate: simulated time stalled at {clock.NowMs / 1000:F1} s for {settings.StallSeconds} s of wall time; written off: " +
                    string.Join(", ", debts.GroupBy(t => t.LastOwed).Select(g => $"{g.Count()} × {g.Key}")));
                foreach (var ticket in debts) ticket.WriteOff();
                Interlocked.Add(ref writtenOff, debts.Count);
            });

            var done = records.ToArray();
            var survivors = silos.Select((s, i) => (s.Source.Engine!, i)).Where(s => !killed.Contains(s.i)).Select(s => s.Item1.Finished).ToArray();
            var encodes = engines.Sum(e => e.ImageEncodes);
            var copies = engines.Sum(e => e.FeatureCopies);
            // Throughput in the steady part of the run: turns answered from a quarter of the arrival window
            // (conversations have reached their later turns) to its end (no tail of last answers).
            var (from, to) = (arrivals[^1] * 0.25, arrivals[^1]);
            var mean = survivors.Length == 0 ? 0 : survivors.Average();
            var ttft = Percentiles.Of(done.Select(r => r.TtftMs));
            var followUp = Percentiles.Of(done.Where(r => r.Turn > 1).Select(r => r.TtftMs));
            return new SimulationResult
            {
                Silos = settings.Silos,
                Images = settings.Images,
                ImagesUsed = used.Length,
                Encodes = encodes,
                ReEncodesAfterKill = encodes - used.Length,
                FeatureCopies = copies,
                Conversations = settings.Conversations,
                Turns = done.Length,
                // Every turn not answered: those that failed every attempt and the later turns of their conversations.
                LostTurns = settings.Conversations * settings.Turns - done.Length,
                ThroughputTurnsPerSecond = done.Count(r => r.DoneAtMs >= from && r.DoneAtMs < to) / ((to - from) / 1000),
                TtftMs = new LatencyPercentiles(ttft.P50, ttft.P99),
                FollowUpTtftMs = new LatencyPercentiles(followUp.P50, followUp.P99),
                SiloLoad = new SiloLoad(mean == 0 ? 0 : survivors.Max() / mean, survivors.DefaultIfEmpty(0).Max(), mean),
                CostModel = cost,
                Load = settings.Load,
                ModelledCapacityPerSilo = capacity,
                KilledSilos = killed.Count,
                FailedAttempts = failed,
                WrittenOffDebts = writtenOff,
                FailuresByKind = failures.OrderByDescending(f => f.Value).ToDictionary(),
                SimulatedSeconds = clock.NowMs / 1000,
                WallSeconds = wall.Elapsed.TotalSeconds,
                Seed = settings.Seed,
            };
        }
        finally
        {
            log("simulate: stopping the cluster");
            await gateway.StopAsync();
            await gateway.DisposeAsync();
            await Task.WhenAll(silos.Where(s => s.Host is not null).Select(async s =>
            {
                try { await s.Host.StopAsync(new CancellationToken(canceled: true)); } catch (Exception) { }
                s.Host.Dispose();
            }));
        }
    }

    /// <summary>What the placement's load board holds: how evenly the silos' conversations and engines are loaded.</summary>
    private static async Task LogLoadBoard(IClusterClient grains, Action<string> log)
    {
        try
        {
            var board = await grains.GetGrain<IClusterLoadGrain>(0).Loads();
            if (board.Length == 0) return;
            log($"simulate: load board of {board.Length} silos (killed ones keep their last report): conversations " +
                $"{board.Min(l => l.Conversations)}–{board.Max(l => l.Conversations)}, active sequences {board.Min(l => l.ActiveSequences)}–{board.Max(l => l.ActiveSequences)}");
        }
        catch (Exception e)
        {
            log($"simulate: the load board did not answer: {e.GetType().Name}");
        }
    }

    /// <summary>Detection of a killed silo with the local cluster's settings (2 s probes × 2 missed; README, Failure).</summary>
    private const double DetectionSeconds = 4;

    /// <summary>
    /// Turns a second one silo serves at a full batch: a turn's share of the decode steps at that batch (the mean
    /// context of the workload), its prefill (a first turn's image and text, a follow-up's previous answer and
    /// question) and its share of the image encodes.
    /// </summary>
    public static double ModelledCapacityPerSilo(CostModel cost, SimulationSettings settings, OspreyTokenizer tokenizer, int imagesUsed)
    {
        var prefix = new Osprey.Engine.Serving.ImagePromptPrefix(tokenizer, cost.ImageTokens);
        var firstTurn = prefix.PositionsOf(tokenizer.Encode(Osprey.Engine.Prompting.ConversationTemplate.OpenFirstTurn(
            Osprey.Engine.Prompting.ConversationTemplate.FirstUserMessage(1, LoadSettings.Questions[0]))));
        const int followUpText = 30;
        var followUp = settings.AnswerTokens + followUpText;
        var meanPrefill = (firstTurn + (settings.Turns - 1.0) * followUp) / settings.Turns;
        var meanContext = firstTurn + (settings.Turns - 1.0) / 2 * followUp + settings.AnswerTokens / 2.0;
        var batch = cost.MaxBatch;
        var decodeMs = settings.AnswerTokens * cost.StepMs(0, batch, (long)(batch * meanContext)) / batch;
        var encodeMs = cost.EncodeMs * imagesUsed / ((double)settings.Conversations * settings.Turns);
        return 1000 / (decodeMs + meanPrefill * cost.PrefillMsPerToken + encodeMs);
    }

    private static async Task WaitForActiveSilos(IClusterClient grains, int count)
    {
        var management = grains.GetGrain<IManagementGrain>(0);
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (true)
        {
            try
            {
                if ((await management.GetHosts(onlyActive: true)).Count == count) return;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"the cluster did not reach {count} active silos within 3 minutes");
            await Task.Delay(250);
        }
    }

    private static int LowerBound(double[] cumulative, double value)
    {
        var index = Array.BinarySearch(cumulative, value);
        return index >= 0 ? index : ~index;
    }

    /// <summary>A small PNG of its own for each image rank (the rank written into its pixels).</summary>
    private static byte[] ImagePng(int rank)
    {
        using var bitmap = new SKBitmap(Width, Height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        for (var y = 0; y < Height; y++)
            for (var x = 0; x < Width; x++)
                bitmap.SetPixel(x, y, new SKColor((byte)(rank & 255), (byte)((rank >> 8) & 255), (byte)(x * 4 + y)));
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class Conversation(string key, string imageId)
    {
        public string Key { get; } = key;
        public string ImageId { get; } = imageId;
        public bool Created { get; set; }
    }

    private sealed record TurnRecord(int Turn, double SentAtMs, double TtftMs, double DoneAtMs, string Silo);
}
