using System.Collections.Concurrent;
using System.Diagnostics;
using OspreyCluster.Grains.Hosting;

namespace Osprey.Bench.Load;

/// <summary>
/// Many users at once on a small local cluster, through the same path the gateway serves: an
/// <see cref="InProcessCluster"/> of several silos behind the real gateway, each user uploading
/// nothing (the images are uploaded first), starting a conversation about one region of one of a few
/// images, and taking its turns back to back, each streamed. Counts every failed call, the time to
/// first token of every turn, the tokens per second of the whole load, and samples each silo's engine
/// for its waiting queue and resident bytes, which must stay within their bounds.
/// </summary>
public static class LoadBench
{
    private const int Width = 320, Height = 240;

    public static async Task<LoadResult> RunAsync(LoadSettings settings, Action<string> log)
    {
        var model = Osprey.Engine.DefaultModel.Resolve(settings.ModelDirectory);
        log($"load: starting {settings.Silos} silos behind the gateway ({Path.GetFileName(Path.TrimEndingDirectorySeparator(model))}, {settings.DType})");
        await using var cluster = await InProcessCluster.StartAsync(settings.Silos,
        [
            $"--Osprey:ModelDirectory={model}",
            $"--Osprey:DType={settings.DType}",
            $"--Osprey:MaxBatchSize={settings.MaxBatchSize}",
            $"--Osprey:MaxWaitingSequences={settings.MaxWaitingSequences}",
        ]);
        using var http = cluster.Http();
        var api = new GatewayApi(http);
        var errors = new ConcurrentDictionary<int, int>();
        var turns = new ConcurrentBag<(int Turn, StreamedTurn Answer)>();

        async Task<T?> Call<T>(Func<Task<T>> call) where T : class
        {
            try
            {
                return await call();
            }
            catch (Exception e) when (e is GatewayCallException or HttpRequestException or IOException or TaskCanceledException)
            {
                errors.AddOrUpdate(e is GatewayCallException g ? g.Status : 0, 1, (_, n) => n + 1);
                return null;
            }
        }

        log($"load: uploading {settings.Images} images");
        var images = new List<string?>();
        for (var i = 0; i < settings.Images; i++)
            images.Add((await Call(() => api.UploadImage(SyntheticImage.Png(Width, Height, i))))?.Id);

        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(() => SampleEngines(cluster.Engines, sampling.Token));
        log($"load: {settings.Users} users × {settings.TurnsPerUser} turns over {settings.Images} images");
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, settings.Users).Select(user => Task.Run(async () =>
        {
            if (images[user % images.Count] is not { } image) return;
            // Users about the same image ask about different regions, so their turns are their own work.
            var left = Width * (0.05 + 0.5 * (user / images.Count % 4) / 4.0);
            var conversation = await Call(() => api.CreateConversation(image, [left, Height * 0.2, left + Width * 0.4, Height * 0.8]));
            if (conversation is null) return;
            for (var turn = 1; turn <= settings.TurnsPerUser; turn++)
            {
                var question = LoadSettings.Questions[(user + turn - 1) % LoadSettings.Questions.Count];
                var answer = await Call(() => api.Ask(conversation, question, settings.NewTokensPerTurn));
                // A conversation whose turn failed cannot go on: its next prompt would lack that answer.
                if (answer is null) return;
                turns.Add((turn, answer));
            }
        })));
        var wall = clock.Elapsed.TotalSeconds;
        await sampling.CancelAsync();
        var (maxWaiting, maxResident) = await sampler;

        var metrics = await cluster.Grains.GetGrain<OspreyCluster.Grains.Interfaces.IClusterMetricsGrain>(0).Get();
        var options = cluster.Engines[0].Options;
        return new LoadResult
        {
            Model = Path.GetFileName(Path.TrimEndingDirectorySeparator(model)),
            DType = settings.DType,
            Silos = cluster.Silos,
            Users = settings.Users,
            TurnsPerUser = settings.TurnsPerUser,
            Images = settings.Images,
            NewTokensPerTurn = settings.NewTokensPerTurn,
            TurnsCompleted = turns.Count,
            Errors = errors.Values.Sum(),
            ErrorsByStatus = errors.ToDictionary(),
            TtftMs = Percentiles.Of(turns.Select(t => t.Answer.TtftMs)),
            FollowUpTtftMs = Percentiles.Of(turns.Where(t => t.Turn > 1).Select(t => t.Answer.TtftMs)),
            GeneratedTokens = turns.Sum(t => (long)t.Answer.Result.GeneratedTokens),
            WallSeconds = wall,
            MaxQueueDepth = maxWaiting,
            QueueBound = options.MaxWaitingSequences,
            MaxBytesResident = maxResident,
            MemoryBudgetBytes = options.MemoryBudgetBytes,
            ImageEncodes = metrics.ImageEncodesTotal,
            TurnsBySilo = turns.GroupBy(t => t.Answer.Result.Silo).OrderBy(g => g.Key).ToDictionary(g => g.Key, g => g.Count()),
        };
    }

    /// <summary>The largest waiting queue and resident bytes of any silo's engine until cancelled.</summary>
    private static async Task<(int Waiting, long Resident)> SampleEngines(IReadOnlyList<SiloServingEngine> engines, CancellationToken stop)
    {
        int waiting = 0;
        long resident = 0;
        while (!stop.IsCancellationRequested)
        {
            foreach (var silo in engines)
                if (silo.Running is { } engine)
                {
                    waiting = Math.Max(waiting, engine.WaitingSequences);
                    resident = Math.Max(resident, engine.Metrics().BytesResident);
                }
            try { await Task.Delay(20, stop); }
            catch (OperationCanceledException) { break; }
        }
        return (waiting, resident);
    }
}
