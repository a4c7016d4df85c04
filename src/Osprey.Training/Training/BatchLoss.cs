using static TorchSharp.torch;

namespace Osprey.Training.Training;

/// <summary>The mean next-token loss of a batch over its answer tokens, with what it covered.</summary>
public sealed record BatchLoss(Tensor Loss, int TargetTokens, int Positions) : IDisposable
{
    public void Dispose() => Loss.Dispose();
}
