using System.Text;
using Osprey.Engine;
using Osprey.Engine.Generation;
using Osprey.Engine.Imaging;
using Osprey.Engine.Multimodal;
using Osprey.Engine.Prompting;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Training.Evaluation;

/// <summary>
/// Answers <see cref="EvalSample"/>s with a loaded model: the <c>osprey_v1</c> prompt of the context and
/// question, regions in placeholder order, greedy decoding of a short answer. The image features of
/// the last image are kept, so the swapped-mask question about the same image does not re-encode it.
/// </summary>
public sealed class ModelAnswerer(OspreyEngine engine, int maxNewTokens = 16) : IDisposable
{
    private RgbImage? _image;
    private ImageFeatures? _features;

    public async Task<string> AnswerAsync(EvalSample sample, CancellationToken cancellationToken)
    {
        var ids = engine.Tokenizer.Encode(ConversationTemplate.Build(Turns(sample)));
        using var embeddings = Embed(sample, ids);
        using var cache = engine.Model.llm.NewCache();
        var generator = new TextGenerator(engine.Model.llm, engine.Tokenizer);
        var text = new StringBuilder();
        var sampling = new SamplingParams { Temperature = 0, MaxNewTokens = maxNewTokens };
        await foreach (var piece in generator.GenerateAsync(embeddings, cache, sampling, cancellationToken))
            text.Append(piece.Text);
        return text.ToString().Trim();
    }

    private static List<ConversationTurn> Turns(EvalSample sample)
    {
        if (sample.Context.Count % 2 != 0) throw new ArgumentException("the context must hold whole human/gpt exchanges", nameof(sample));
        var turns = new List<ConversationTurn>();
        for (int i = 0; i < sample.Context.Count; i += 2)
            turns.Add(new ConversationTurn(sample.Context[i].Value, sample.Context[i + 1].Value));
        turns.Add(new ConversationTurn(sample.Question));
        turns[0] = turns[0] with { User = ConversationTemplate.FirstUserMessage(turns[0].User) };
        return turns;
    }

    private Tensor Embed(EvalSample sample, int[] ids)
    {
        // Every temporary belongs to the scope: one reachable only through a native handle could be finalised mid-call.
        using var scope = torch.NewDisposeScope();
        using var inference = torch.inference_mode();
        if (!ReferenceEquals(sample.Image, _image))
        {
            _features?.Dispose();
            _features = null;
            var features = engine.Model.EncodeImage(engine.Preprocess(sample.Image));
            scope.MoveToOuter(features.Levels.Levels);
            scope.MoveToOuter(features.ImageTokens);
            (_image, _features) = (sample.Image, features);
        }
        Tensor? regions = sample.Regions.Count == 0
            ? null
            : engine.Model.EncodeRegions(_features!, torch.stack(sample.Regions.Select(r => r.ToTensor()).ToList()));
        return scope.MoveToOuter(engine.Model.EmbedPrompt(ids, _features, regions));
    }

    public void Dispose() => _features?.Dispose();
}
