using static TorchSharp.torch;

namespace Osprey.Training.Training;

/// <summary>The next-token loss of a batch over its answer tokens (their mean, or their sum for a data-parallel shard), with what it covered.</summary>
public sealed record BatchLoss(Tensor Loss, int TargetTokens, int Positions) : IDisposable
{
    /// <summary>With a <see cref="RegionAttention"/> term: the mean attention mass its head put on the named regions (all; those named region2 or later).</summary>
    public (double All, double? Later)? RegionAttentionMass { get; init; }

    public void Dispose() => Loss.Dispose();
}
