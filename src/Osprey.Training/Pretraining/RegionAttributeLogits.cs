using static TorchSharp.torch;

namespace Osprey.Training.Pretraining;

/// <summary>
/// Per-region outputs of the attribute heads: logits [R, classes] of category, colour, size and
/// position, and the predicted standardised log area [R].
/// </summary>
public sealed record RegionAttributeLogits(Tensor Category, Tensor Colour, Tensor Size, Tensor Position, Tensor LogArea) : IDisposable
{
    public void Dispose()
    {
        Category.Dispose();
        Colour.Dispose();
        Size.Dispose();
        Position.Dispose();
        LogArea.Dispose();
    }
}
