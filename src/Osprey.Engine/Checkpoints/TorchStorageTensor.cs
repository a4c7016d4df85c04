using static TorchSharp.torch;

namespace Osprey.Engine.Checkpoints;

/// <summary>
/// One tensor of a <c>torch.save</c> state dict as <c>data.pkl</c> describes it: a view (offset,
/// shape, stride, in elements) into the storage record <c>data/{StorageKey}</c> of the archive.
/// </summary>
internal sealed record TorchStorageTensor(string Name, ScalarType DType, string StorageKey, long StorageElements,
    long StorageOffset, long[] Shape, long[] Stride)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>Row-major with no gaps, so the bytes are one run of the storage.</summary>
    public bool IsContiguous
    {
        get
        {
            if (Shape.Length != Stride.Length) return false;
            if (Shape.Any(s => s == 0)) return true;
            long expected = 1;
            for (int i = Shape.Length - 1; i >= 0; i--)
            {
                if (Shape[i] != 1 && Stride[i] != expected) return false;
                expected *= Shape[i];
            }
            return true;
        }
    }
}
