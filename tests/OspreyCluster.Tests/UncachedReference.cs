using Osprey.Engine;
using Osprey.Engine.Devices;
using Osprey.Engine.Imaging;
using Osprey.Engine.Language;
using Osprey.Engine.Prompting;
using Osprey.Engine.Serving;
using OspreyCluster.Grains.Regions;
using TorchSharp;

namespace OspreyCluster.Tests;

/// <summary>
/// What a conversation should answer, computed the stock way in the test process: every turn
/// re-encodes the image and prefills its whole prompt into a fresh KV cache, then decodes greedily.
/// No serving loop, no shared prefix, no carried-over cache.
/// </summary>
public sealed class UncachedReference : IDisposable
{
    private readonly OspreyEngine _engine = OspreyEngine.Load(FixturePaths.OspreyTiny, EngineOptions.Cpu32);
    private readonly ImagePromptPrefix _prefix;

    public UncachedReference()
    {
        _prefix = new ImagePromptPrefix(_engine.Tokenizer, _engine.Config.ImageSize / 16 * (_engine.Config.ImageSize / 16));
    }

    public ImagePromptPrefix Prefix => _prefix;
    public Osprey.Engine.Tokenization.OspreyTokenizer Tokenizer => _engine.Tokenizer;

    /// <summary>The answer texts of a whole conversation, turn by turn, plus each turn's prompt positions.</summary>
    public IReadOnlyList<(string Text, int PromptPositions, int Generated, bool Stopped)> Conversation(TestImage image, IReadOnlyList<string> questions, int maxNewTokens)
    {
        var rgb = new ImageDecoder().Decode(image.Bytes);
        var masks = image.Regions.Select((r, i) => RegionDecoding.Decode(r, i, rgb.Width, rgb.Height).Mask).ToList();
        var prompt = ChatPrompt.Conversation(_engine.Tokenizer, masks.Count);
        var answers = new List<(string, int, int, bool)>();
        foreach (var question in questions)
        {
            prompt.AddUser(question);
            var (ids, stopped) = Greedy(image.Bytes, prompt.Ids, rgb.Width, rgb.Height, masks, prompt.RegionOrder, maxNewTokens);
            answers.Add((_engine.Tokenizer.Decode(ids).Trim(), _prefix.PositionsOf(prompt.Ids), ids.Count, stopped));
            prompt.AddAnswer(ids);
        }
        return answers;
    }

    /// <summary>Greedy text for one raw prompt about one region of the image (as a describe request runs it).</summary>
    public string SingleRegion(TestImage image, IReadOnlyList<int> promptIds, int region, int maxNewTokens)
    {
        var rgb = new ImageDecoder().Decode(image.Bytes);
        var mask = RegionDecoding.Decode(image.Regions[region], region, rgb.Width, rgb.Height).Mask;
        var (ids, _) = Greedy(image.Bytes, promptIds, rgb.Width, rgb.Height, [mask], [0], maxNewTokens);
        return _engine.Tokenizer.Decode(ids).Trim();
    }

    private (List<int> Ids, bool Stopped) Greedy(byte[] imageBytes, IReadOnlyList<int> promptIds, int width, int height,
        IReadOnlyList<byte[]> masks, IReadOnlyList<int> regionOrder, int maxNewTokens)
    {
        using var inference = torch.inference_mode();
        using var scope = torch.NewDisposeScope();
        var model = _engine.Model;
        using var features = model.EncodeImage(_engine.Preprocess(new ImageDecoder().Decode(imageBytes)));
        var maskData = masks.SelectMany(m => m.Select(b => (float)b)).ToArray();
        var regionTokens = model.EncodeRegions(features, torch.tensor(maskData, [masks.Count, height, width]));
        var ordered = regionOrder.Count == 0 ? null : regionTokens.index_select(0, torch.tensor(regionOrder.Select(i => (long)i).ToArray()));
        var embeddings = model.EmbedPrompt(promptIds.ToArray(), features, ordered);

        using var cache = model.llm.NewCache();
        var logits = model.llm.Forward([new SequenceChunk(embeddings, cache)]);
        var ids = new List<int>();
        for (var step = 0; step < maxNewTokens; step++)
        {
            var next = (int)logits[0].argmax().item<long>();
            if (next == _engine.Tokenizer.EosId) return (ids, true);
            ids.Add(next);
            if (step + 1 == maxNewTokens) break;
            logits = model.llm.Forward([new SequenceChunk(model.llm.EmbedTokens(torch.tensor(new long[] { next })), cache)]);
        }
        return (ids, false);
    }

    public void Dispose() => _engine.Dispose();
}
