using Osprey.Engine.Language;
using Osprey.Engine.Multimodal;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Training.Pretraining;

/// <summary>
/// The decoder's next-token cross-entropy over the scored positions of text-only lookup sequences
/// (<see cref="ILookupSequences"/>), packed into one pass: the loss of induction pretraining, and the
/// region-recall term a stage-3 run can mix into its steps (<see cref="Training.RecallMix"/>).
/// </summary>
public sealed class LookupLoss(OspreyModel model)
{
    /// <summary>Mean loss over every scored token of <paramref name="sequences"/>; <paramref name="hits"/> counts the tokens the model ranks first.</summary>
    public Tensor Compute(IReadOnlyList<LookupSequence> sequences, out int targets, out int hits)
    {
        using var scope = torch.NewDisposeScope();
        var llm = model.llm;
        var context = model.Config.Language.MaxPositionEmbeddings;
        var chunks = new List<SequenceChunk>(sequences.Count);
        var caches = new List<KvCache>(sequences.Count);
        var rows = new List<long>();
        var ids = new List<long>();
        var offset = 0;
        try
        {
            foreach (var sequence in sequences)
            {
                if (sequence.Ids.Length > context)
                    throw new ArgumentException($"a sequence of {sequence.Ids.Length} tokens does not fit the model's context of {context}");
                foreach (var p in sequence.ScoredPositions)
                {
                    rows.Add(offset + p);
                    ids.Add(sequence.Ids[p + 1]);
                }
                var cache = llm.NewCache();
                caches.Add(cache);
                chunks.Add(new SequenceChunk(llm.EmbedTokens(torch.tensor(sequence.Ids, device: llm.Device)), cache));
                offset += sequence.Ids.Length;
            }
            var hidden = llm.ForwardHidden(chunks);
            var logits = llm.Logits(hidden.index_select(0, torch.tensor(rows.ToArray(), device: hidden.device)));
            var expected = torch.tensor(ids.ToArray(), device: logits.device);
            var loss = nn.functional.cross_entropy(logits, expected);
            using (torch.no_grad()) hits = (int)logits.argmax(1).eq(expected).sum().item<long>();
            targets = ids.Count;
            return scope.MoveToOuter(loss);
        }
        finally
        {
            foreach (var cache in caches) cache.Dispose();
        }
    }
}
