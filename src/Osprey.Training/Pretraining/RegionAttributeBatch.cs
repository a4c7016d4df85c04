using static TorchSharp.torch;

namespace Osprey.Training.Pretraining;

/// <summary>
/// The attribute loss of a batch (each attribute's mean over the regions, added; or their sums for a
/// data-parallel shard), how many of its regions each classifier got right, and the
/// summed absolute error of the standardised log area.
/// </summary>
public sealed record RegionAttributeBatch(Tensor Loss, int Regions, int CategoryCorrect, int ColourCorrect, int SizeCorrect,
    int PositionCorrect, double LogAreaError) : IDisposable
{
    public void Dispose() => Loss.Dispose();
}
