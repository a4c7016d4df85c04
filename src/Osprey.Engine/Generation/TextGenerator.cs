using System.Runtime.CompilerServices;
using Osprey.Engine.Language;
using Osprey.Engine.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Generation;

/// <summary>
/// Generates one answer from prompt embeddings, streaming text as it completes. One sequence at a
/// time on the calling thread (the CLI, tests, benchmarks); the silo's serving loop batches many.
/// The caller owns the KV cache, which ends up holding the prompt and every generated token
/// except the last, so a follow-up turn can continue from it.
/// </summary>
public sealed class TextGenerator(LlamaForCausalLM llm, OspreyTokenizer tokenizer)
{
    public string? FinishReason { get; private set; }
    public IReadOnlyList<int> GeneratedIds => _ids;
    private readonly List<int> _ids = [];

    public async IAsyncEnumerable<GeneratedPiece> GenerateAsync(Tensor promptEmbeddings, KvCache cache, SamplingParams sampling,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        _ids.Clear();
        FinishReason = null;
        using var sampler = new SequenceSampler(sampling);
        var text = new StreamingDetokenizer(tokenizer);
        var stops = new StopStringMatcher(sampling.StopStrings);
        var contextLength = llm.Config.MaxPositionEmbeddings;
        var next = Step(promptEmbeddings, cache, sampler);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (next == tokenizer.EosId) { FinishReason = Generation.FinishReason.Stop; break; }
            _ids.Add(next);
            var match = stops.Push(text.Push(next));
            yield return new GeneratedPiece(next, match.Text);
            if (match.Stopped) { FinishReason = Generation.FinishReason.Stop; break; }
            if (_ids.Count >= sampling.MaxNewTokens || cache.Length >= contextLength) { FinishReason = Generation.FinishReason.Length; break; }
            await Task.Yield(); // let a consumer on the same thread observe cancellation between steps
            using (var ids = torch.tensor(new long[] { next }, device: llm.Device))
            using (var embedding = llm.EmbedTokens(ids))
                next = Step(embedding, cache, sampler);
        }
        if (!stops.Stopped)
        {
            var tail = stops.Push(text.Flush()).Text + stops.Flush();
            if (tail.Length > 0) yield return new GeneratedPiece(null, tail);
        }
    }

    private int Step(Tensor embeddings, KvCache cache, SequenceSampler sampler)
    {
        using var inference = torch.inference_mode();
        using var logits = llm.Forward([new SequenceChunk(embeddings, cache)]);
        return TokenSampler.Sample(logits, [sampler])[0];
    }
}
