using System.Runtime.CompilerServices;
using Osprey.Engine.Generation;
using Osprey.Engine.Prompting;
using Osprey.Engine.Serving;

namespace Osprey.Training.Evaluation;

/// <summary>
/// Answers <see cref="EvalSample"/>s through the serving engine, the path a silo serves: the
/// <c>osprey_v1</c> prompt of the context and question, regions in placeholder order, greedy decoding
/// of a short answer. Samples about the same image share its resident features.
/// </summary>
public sealed class ModelAnswerer(ServingEngine serving, int maxNewTokens = 16)
{
    private readonly ConditionalWeakTable<object, string> _imageIds = new();
    private int _images;

    public async Task<string> AnswerAsync(EvalSample sample, CancellationToken cancellationToken)
    {
        var prompt = ChatPrompt.Raw(serving.Tokenizer, ConversationTemplate.Build(Turns(sample)), sample.Regions.Count);
        var regions = new RegionMaskSet(sample.Image.Width, sample.Image.Height, [.. sample.Regions.Select(r => r.Data)]);
        var image = ImageSource.FromPixels(_imageIds.GetValue(sample.Image, _ => $"eval-{Interlocked.Increment(ref _images)}"), sample.Image);
        var sampling = SamplingParams.Greedy with { MaxNewTokens = maxNewTokens };
        var outcome = await serving.Complete(SequenceRequest.For(image, prompt, regions, sampling), cancellationToken: cancellationToken);
        return outcome.Text.Trim();
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
}
