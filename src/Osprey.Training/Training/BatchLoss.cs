using static TorchSharp.torch;

namespace Osprey.Training.Training;

/// <summary>The next-token loss of a batch over its answer tokens (their mean, or their sum for a data-parallel shard), with what it covered.</summary>
public sealed record BatchLoss(Tensor Loss, int TargetTokens, int Positions) : IDisposable
{
    public void Dispose() => Loss.Dispose();
}
