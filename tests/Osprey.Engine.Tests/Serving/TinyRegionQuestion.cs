using Osprey.Engine.Generation;
using Osprey.Engine.Imaging;
using Osprey.Engine.Prompting;
using Osprey.Engine.Regions;
using Osprey.Engine.Serving;

namespace Osprey.Engine.Tests.Serving;

/// <summary>A tiny fixture case's image with one box region, and a greedy "What is &lt;region1&gt;?" about it.</summary>
internal static class TinyRegionQuestion
{
    private const string Question = "What is <region1>?";

    public static (RgbImage Pixels, RegionMaskSet Regions) Case(string name)
    {
        var directory = Path.Combine(FixturePaths.OspreyTiny, "cases", name);
        var pixels = new ImageDecoder().Decode(File.ReadAllBytes(Path.Combine(directory, "image.png")), name);
        var mask = new BoxRegion(1, 1, pixels.Width / 2, pixels.Height / 2).ToMask(pixels.Height, pixels.Width).Data;
        return (pixels, new RegionMaskSet(pixels.Width, pixels.Height, [mask]));
    }

    public static SequenceRequest Request(ServingEngine serving, ImageSource image, RegionMaskSet regions, int newTokens) =>
        SequenceRequest.For(image, ChatPrompt.Conversation(serving.Tokenizer, regions.Count, [], Question), regions,
            SamplingParams.Greedy with { MaxNewTokens = newTokens, StopStrings = [] });
}
