using System.Text.Json;
using Osprey.Engine.Generation;
using Osprey.Engine.Imaging;
using Osprey.Engine.Language;
using Osprey.Engine.Prompting;
using Osprey.Engine.Regions;
using Osprey.Engine.Devices;
using Osprey.Engine.Serving;
using Osprey.Engine.Tests.Vision;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.EndToEnd;

/// <summary>
/// Every intermediate of the Osprey forward pass against the golden osprey-tiny cases, with the
/// weights loaded by the product's checkpoint loader: from pixel_values, and along the whole path
/// from the image file and mask PNGs to the last-position logits and the greedy continuation.
/// </summary>
public sealed class TinyOspreyPipelineTests(TinyOspreyEngineFixture fixture, ITestOutputHelper output) : IClassFixture<TinyOspreyEngineFixture>
{
    private const float Tolerance = 1e-4f;
    private const float RegionTolerance = 1e-3f;
    private OspreyEngine Engine => fixture.Engine;

    public static IEnumerable<object[]> Cases() => TinyOspreyCase.Names();

    [Theory]
    [MemberData(nameof(Cases))]
    public void FromPixelValuesEveryIntermediateMatches(string caseName)
    {
        using var c = TinyOspreyCase.Open(caseName);
        using var scope = torch.NewDisposeScope();
        using var inference = torch.inference_mode();
        var ids = Engine.Tokenizer.Encode(Prompt(c));
        Assert.Equal(ExpectedIds(c), ids);

        using var image = Engine.Model.EncodeImage(c.Read("pixel_values"));
        Check(c, "res2", image.Levels.Res2, Tolerance);
        Check(c, "res3", image.Levels.Res3, Tolerance);
        Check(c, "res4", image.Levels.Res4, Tolerance);
        Check(c, "res5", image.Levels.Res5, Tolerance);
        Check(c, "image_tokens", image.ImageTokens, Tolerance);

        var regions = Engine.Model.EncodeRegions(image, c.Masks());
        Check(c, "mask_tokens", regions[.., 0], RegionTolerance);
        Check(c, "pos_tokens", regions[.., 1], RegionTolerance);

        var embeds = Engine.Model.EmbedPrompt(ids, image, regions);
        Check(c, "inputs_embeds", embeds, RegionTolerance);

        using var cache = Engine.Model.llm.NewCache();
        var logits = Engine.Model.llm.Forward([new SequenceChunk(embeds, cache)]);
        Check(c, "logits_last", logits[0], Tolerance);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void FromTheImageFileTheLogitsAndGreedyContinuationMatch(string caseName)
    {
        using var c = TinyOspreyCase.Open(caseName);
        using var scope = torch.NewDisposeScope();
        using var inference = torch.inference_mode();
        var decoded = new ImageDecoder().DecodeFile(ImageFile(c));
        var masks = MaskFiles(c).Select(p => new MaskPngDecoder().DecodeFile(p).EnsureSize(decoded.Height, decoded.Width, p)).ToArray();
        using var image = Engine.Model.EncodeImage(Engine.Preprocess(decoded));
        var regions = Engine.Model.EncodeRegions(image, torch.stack(masks.Select(m => m.ToTensor())));
        var embeds = Engine.Model.EmbedPrompt(Engine.Tokenizer.Encode(Prompt(c)), image, regions);

        using var cache = Engine.Model.llm.NewCache();
        var logits = Engine.Model.llm.Forward([new SequenceChunk(embeds, cache)]);
        Check(c, "logits_last", logits[0], Tolerance);

        // Greedy through the KV cache, checking the top-8 logits at every step.
        var expectedIds = c.Read("greedy_ids").data<long>().ToArray();
        var topLogits = c.Read("greedy_top_logits");
        var topIds = c.Read("greedy_top_ids");
        var step = logits;
        for (var k = 0; k < expectedIds.Length; k++)
        {
            var (values, indices) = step[0].topk(8);
            Assert.Equal(topIds[k].data<long>().ToArray(), indices.data<long>().ToArray());
            Check(c, $"greedy_top_logits[{k}]", values, topLogits[k], Tolerance);
            Assert.Equal(expectedIds[k], indices[0].item<long>());
            step = Engine.Model.llm.Forward([new SequenceChunk(Engine.Model.llm.EmbedTokens(torch.tensor(new[] { expectedIds[k] })), cache)]);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void KvCacheDecodingEqualsRecomputationWithoutCache(string caseName)
    {
        using var c = TinyOspreyCase.Open(caseName);
        using var scope = torch.NewDisposeScope();
        using var inference = torch.inference_mode();
        using var image = Engine.Model.EncodeImage(c.Read("pixel_values"));
        var regions = Engine.Model.EncodeRegions(image, c.Masks());
        var prompt = Engine.Tokenizer.Encode(Prompt(c));
        var greedy = c.Read("greedy_ids").data<long>().Select(i => (int)i).ToArray();

        using var cache = Engine.Model.llm.NewCache();
        var cached = new List<Tensor> { Engine.Model.llm.Forward([new SequenceChunk(Engine.Model.EmbedPrompt(prompt, image, regions), cache)]) };
        foreach (var id in greedy[..^1])
            cached.Add(Engine.Model.llm.Forward([new SequenceChunk(Engine.Model.llm.EmbedTokens(torch.tensor(new long[] { id })), cache)]));

        using var fresh = Engine.Model.llm.NewCache();
        var all = Engine.Model.llm.Forward([new SequenceChunk(Engine.Model.EmbedPrompt([.. prompt, .. greedy[..^1]], image, regions), fresh)], allPositions: true);
        var tail = all[^greedy.Length..];
        var max = TinyOspreyCase.MaxAbsDiff(torch.cat(cached, 0), tail);
        output.WriteLine($"{c.Name}: cached vs uncached max |Δ| = {max:E2}");
        Assert.True(max <= Tolerance, $"cached vs uncached logits differ by {max}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task TheServingPathFromFileBytesReproducesTheLogitsAndGreedyAnswer(string caseName)
    {
        using var c = TinyOspreyCase.Open(caseName);
        var bytes = File.ReadAllBytes(ImageFile(c));
        var decoded = new ImageDecoder().Decode(bytes, ImageFile(c));
        var masks = MaskFiles(c).Select(p => new MaskPngDecoder().DecodeFile(p).EnsureSize(decoded.Height, decoded.Width, p).Data).ToArray();
        var expected = c.Read("greedy_ids").data<long>().Select(i => (int)i).ToArray();
        var untilEos = expected.TakeWhile(id => id != Engine.Tokenizer.EosId).ToArray();

        using var serving = ServingEngine.Start(OspreyEngine.Load(FixturePaths.OspreyTiny, EngineOptions.Cpu32), new ServingOptions());
        var prompt = ChatPrompt.Raw(serving.Tokenizer, Prompt(c), masks.Length);
        Assert.Equal(ExpectedIds(c), prompt.Ids);
        var request = SequenceRequest.For(new ImageSource(caseName, bytes), prompt, new RegionMaskSet(decoded.Width, decoded.Height, masks),
            SamplingParams.Greedy with { MaxNewTokens = expected.Length }) with { ReturnPromptLogits = true };
        var streamed = "";
        var outcome = await serving.Complete(request, piece => streamed += piece);

        using var logits = torch.tensor(outcome.PromptLogits!);
        Check(c, "logits_last", logits, Tolerance);
        Assert.Equal(untilEos, outcome.GeneratedIds);
        Assert.Equal(Engine.Tokenizer.Decode(untilEos), streamed);
        Assert.Equal(streamed, outcome.Text);
    }

    private static string Prompt(TinyOspreyCase c)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(c.Directory, "case.json")));
        var turns = doc.RootElement.GetProperty("turns").EnumerateArray()
            .Select(t => new ConversationTurn(t.GetProperty("user").GetString()!, t.GetProperty("assistant").GetString())).ToList();
        var prompt = ConversationTemplate.Build(turns);
        Assert.Equal(doc.RootElement.GetProperty("prompt").GetString(), prompt);
        return prompt;
    }

    private static int[] ExpectedIds(TinyOspreyCase c)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(c.Directory, "case.json")));
        return doc.RootElement.GetProperty("input_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
    }

    private static string ImageFile(TinyOspreyCase c) =>
        new[] { "image.png", "image.jpg" }.Select(n => Path.Combine(c.Directory, n)).First(File.Exists);

    private static string[] MaskFiles(TinyOspreyCase c) =>
        Directory.GetFiles(c.Directory, "mask*.png").OrderBy(p => int.Parse(Path.GetFileNameWithoutExtension(p)["mask".Length..])).ToArray();

    private void Check(TinyOspreyCase c, string name, Tensor actual, float tolerance) => Check(c, name, actual, c.Read(name), tolerance);

    private void Check(TinyOspreyCase c, string name, Tensor actual, Tensor expected, float tolerance)
    {
        var max = TinyOspreyCase.MaxAbsDiff(actual.squeeze(), expected.squeeze());
        output.WriteLine($"{c.Name} {name}: max |Δ| = {max:E2}");
        Assert.True(max <= tolerance, $"{c.Name} {name}: max |Δ| {max} > {tolerance}");
    }
}
