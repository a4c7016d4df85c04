using Osprey.Engine.Generation;
using Osprey.Engine.Language;
using TorchSharp;

namespace Osprey.Engine.Serving;

/// <summary>
/// One iteration of continuous batching: every running sequence contributes one chunk (its whole new
/// prompt when just admitted, else its last sampled token) to a single packed forward, and gets one
/// sampled token back. Engine thread only.
/// </summary>
internal sealed class BatchStep(OspreyEngine engine)
{
    /// <summary>Runs the forward and appends one sampled token to every sequence.</summary>
    public void Run(IReadOnlyList<RunningSequence> batch)
    {
        using var scope = torch.NewDisposeScope();
        var llm = engine.Model.llm;
        var decoding = batch.Where(s => s.PrefillEmbeddings is null).ToList();
        torch.Tensor? decodeEmbeddings = decoding.Count == 0
            ? null
            : llm.EmbedTokens(torch.tensor(decoding.Select(s => (long)s.LastToken).ToArray(), device: engine.Model.llm.Device));

        var chunks = new List<SequenceChunk>(batch.Count);
        var decodeRow = 0;
        foreach (var sequence in batch)
        {
            var embeddings = sequence.PrefillEmbeddings ?? decodeEmbeddings!.narrow(0, decodeRow++, 1);
            chunks.Add(new SequenceChunk(embeddings, sequence.Cache));
        }

        var logits = llm.Forward(chunks);
        for (var i = 0; i < batch.Count; i++)
        {
            if (!batch[i].WantsPromptLogits || batch[i].PrefillEmbeddings is null) continue;
            using var row = logits[i].to(torch.ScalarType.Float32).cpu();
            batch[i].PromptLogits = row.data<float>().ToArray();
        }
        // Each row draws from its own seeded generator, so a sequence's tokens do not depend on its batch mates.
        var next = TokenSampler.Sample(logits, [.. batch.Select(s => s.Sampler)]);
        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].PrefillDone();
            batch[i].Generated.Add(next[i]);
        }
    }
}
