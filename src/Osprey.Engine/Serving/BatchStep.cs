using Osprey.Engine.Generation;
using Osprey.Engine.Language;
using TorchSharp;

namespace Osprey.Engine.Serving;

/// <summary>
/// One iteration of continuous batching under a token budget: every decoding sequence contributes its
/// last sampled token, and the rest of the budget goes to prompt chunks, oldest admission first, so a
/// long prompt is prefilled over several steps beside the decodes instead of stalling them. One packed
/// forward runs it all; a sequence samples when its chunk is a decode or the end of its prompt.
/// Engine thread only.
/// </summary>
internal sealed class BatchStep(OspreyEngine engine)
{
    /// <summary>Runs the forward and returns the sequences that sampled a token, in batch order.</summary>
    /// <param name="batch">Running sequences in admission order.</param>
    /// <param name="promptPositions">Most prompt positions the forward carries beside every decode (<see cref="PrefillPacing"/> within the token budget).</param>
    public IReadOnlyList<RunningSequence> Run(IReadOnlyList<RunningSequence> batch, int promptPositions)
    {
        using var scope = torch.NewDisposeScope();
        var llm = engine.Model.llm;
        var decoding = batch.Where(s => !s.IsPrefilling).ToList();
        torch.Tensor? decodeEmbeddings = decoding.Count == 0
            ? null
            : llm.EmbedTokens(torch.tensor(decoding.Select(s => (long)s.LastToken).ToArray(), device: llm.Device));

        var budget = promptPositions;
        var stepped = new List<RunningSequence>(batch.Count);
        var chunks = new List<SequenceChunk>(batch.Count);
        var decodeRow = 0;
        foreach (var sequence in batch)
        {
            if (!sequence.IsPrefilling)
            {
                stepped.Add(sequence);
                chunks.Add(new SequenceChunk(decodeEmbeddings!.narrow(0, decodeRow++, 1), sequence.Cache));
                continue;
            }
            if (budget <= 0) continue;
            var count = Math.Min(budget, sequence.PrefillRemaining);
            budget -= count;
            stepped.Add(sequence);
            chunks.Add(new SequenceChunk(sequence.TakePrefill(count), sequence.Cache));
        }

        var logits = llm.Forward(chunks);
        // Rows that sample: decodes, and prompts whose last position just ran (the others only filled their cache).
        var sampling = Enumerable.Range(0, stepped.Count).Where(i => stepped[i].PrefillRemaining == 0).ToList();
        var sampled = sampling.Select(i => stepped[i]).ToList();
        foreach (var i in sampling)
        {
            if (!stepped[i].WantsPromptLogits || !stepped[i].IsPrefilling) continue;
            using var row = logits[i].to(torch.ScalarType.Float32).cpu();
            stepped[i].PromptLogits = row.data<float>().ToArray();
        }
        if (sampled.Count == 0) return sampled;
        var rows = sampled.Count == stepped.Count
            ? logits
            : logits.index_select(0, torch.tensor(sampling.Select(i => (long)i).ToArray(), device: logits.device));
        // Each row draws from its own seeded generator, so a sequence's tokens do not depend on its batch mates.
        var next = TokenSampler.Sample(rows, [.. sampled.Select(s => s.Sampler)]);
        for (var i = 0; i < sampled.Count; i++)
        {
            sampled[i].PrefillDone();
            sampled[i].Generated.Add(next[i]);
        }
        return sampled;
    }
}
