using Osprey.Engine.Generation;
using TorchSharp;

namespace Osprey.Engine.Serving;

/// <summary>Picks one sequence's next token from its row of a batched forward's logits.</summary>
internal sealed class SequenceSampler(SamplingParams sampling)
{
    private readonly TokenSampler _sampler = new(sampling);

    /// <param name="logits">float32 [V] for this sequence.</param>
    public int Next(torch.Tensor logits) => _sampler.Sample(logits);
}
