namespace Osprey.Engine.Serving;

/// <summary>
/// The binary masks of a sequence's regions at the image's original resolution, one byte per pixel
/// (0 or 1), row-major. Tensors are built from them on the engine thread only.
/// </summary>
public sealed record RegionMaskSet(int Width, int Height, IReadOnlyList<byte[]> Masks)
{
    private UInt128[]? _hashes;

    public int Count => Masks.Count;

    /// <summary>One content hash per mask (its size included): what prefix caching keys a region by.</summary>
    public IReadOnlyList<UInt128> Hashes => _hashes ??= [.. Masks.Select(Hash)];

    private UInt128 Hash(byte[] mask)
    {
        var bytes = new byte[8 + mask.Length];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 4), Width);
        BitConverter.TryWriteBytes(bytes.AsSpan(4, 4), Height);
        mask.CopyTo(bytes, 8);
        return PromptBlocks.Hash(bytes);
    }
}
