using System.Diagnostics;
using Osprey.Engine.Generation;
using Osprey.Engine.Imaging;
using Osprey.Engine.Segmentation;

namespace Osprey.Engine.Serving;

/// <summary>
/// Region chat about a made-up picture (and a click on it on the segmentation worker, where the engine
/// has Segment Anything), run once on the engine thread before it takes its first command, so that the
/// first user does not pay for the process's first use of its code paths (.NET's compilation, libtorch's
/// first calls at each shape): a cold gateway answered its first question in 0.63–0.81 s and a new image
/// 0.06 s once warm (default model, 2026-12-06).
/// <para>
/// It goes through a loop of its own (<see cref="ServingEngine.ForWarmUp"/>) over the same model, on
/// the same thread, with its own counters, resident set and step cost curve and no latency instruments,
/// so the serving engine's metrics and pacing start from nothing, and everything it made resident is
/// freed before the first user's command is taken. Two conversations about the picture are asked
/// together (their prompts prefilled and their answers decoded in the same steps), then a follow-up.
/// One picture, not two: on the bench model two encodes made the warm-up 10.9 s, 2.5 times an image's
/// first demand, and the second only warmed the encode's slicing, a few methods' compilation.
/// </para>
/// </summary>
internal static class ServingWarmUp
{
    // A photo's usual size: masks are taken at the image's own size, so that shape is the one to warm.
    private const int Width = 640, Height = 480;

    private static readonly SamplingParams Greedy = new() { MaxNewTokens = 8 };
    private static readonly SamplingParams Sampled = new() { MaxNewTokens = 8, Temperature = 0.7f, TopP = 0.9f, Seed = 1 };

    /// <summary>
    /// Runs the two conversations to their end, and a click on the picture on the segmentation
    /// worker when there is one (its embedding made and dropped there, outside the resident set and its
    /// counters); returns how long it all took.
    /// </summary>
    public static TimeSpan Run(OspreyEngine engine, ServingOptions options, SegmentationWorker? segmentation)
    {
        var started = Stopwatch.GetTimestamp();
        var (image, regions) = Scene();
        var click = segmentation is null ? Task.CompletedTask : Click(segmentation, image);
        // The queue bound only refuses work, it shapes no compute: a server that lets one sequence wait
        // still warms up with its two conversations.
        var warm = ServingEngine.ForWarmUp(engine, options with
        {
            Latency = null,
            WarmUp = false,
            MaxWaitingSequences = Math.Max(options.MaxWaitingSequences, 2),
        });
        var conversations = Task.Run(async () =>
        {
            try
            {
                await Converse(warm, image, regions).ConfigureAwait(false);
            }
            finally
            {
                warm.StopTakingCommands();
            }
        });
        warm.RunLoopOnThisThread();
        conversations.GetAwaiter().GetResult();
        click.GetAwaiter().GetResult();
        return Stopwatch.GetElapsedTime(started);
    }

    private static Task Click(SegmentationWorker segmentation, ImageSource image) => segmentation.Run(predictor =>
    {
        using var embedding = predictor.Embed(image.Decode());
        return predictor.Predict(embedding, new SamPrompt([new SamPoint(220, 240, 1)], null, Multimask: false));
    });

    private static async Task Converse(ServingEngine warm, ImageSource image, RegionMaskSet regions)
    {
        var firstChat = new RegionChat(warm, image, regions);
        var firstTurn = firstChat.Ask("What is <region1>?", Greedy);
        // The same regions in the other order: a prompt of its own on the image's cached prefix.
        var reordered = new RegionMaskSet(regions.Width, regions.Height, [.. regions.Masks.Reverse()]);
        var secondTurn = new RegionChat(warm, image, reordered).Ask("Give a short description of <region2>.", Sampled);
        await Task.WhenAll(firstTurn, secondTurn).ConfigureAwait(false);
        await firstChat.Ask("Which is larger, <region1> or <region2>?", Greedy).ConfigureAwait(false);
    }

    /// <summary>A gradient with a disc and a bar on it; the regions are the disc and the bar.</summary>
    private static (ImageSource Image, RegionMaskSet Regions) Scene()
    {
        var pixels = new byte[Width * Height * 3];
        var disc = new byte[Width * Height];
        var bar = new byte[Width * Height];
        for (var y = 0; y < Height; y++)
            for (var x = 0; x < Width; x++)
            {
                var at = y * Width + x;
                var inDisc = (x - 220) * (x - 220) + (y - 240) * (y - 240) < 120 * 120;
                var inBar = x is >= 400 and < 600 && y is >= 100 and < 180;
                disc[at] = inDisc ? (byte)1 : (byte)0;
                bar[at] = inBar ? (byte)1 : (byte)0;
                pixels[at * 3] = inDisc ? (byte)200 : (byte)(x * 255 / Width);
                pixels[at * 3 + 1] = inBar ? (byte)180 : (byte)(y * 255 / Height);
                pixels[at * 3 + 2] = inDisc || inBar ? (byte)40 : (byte)128;
            }
        return (ImageSource.FromPixels("warm-up", new RgbImage(Width, Height, pixels)), new RegionMaskSet(Width, Height, [disc, bar]));
    }
}
