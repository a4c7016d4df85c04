using System.Buffers.Binary;

namespace OspreyCluster.Gateway.Regions;

/// <summary>
/// Reads a PNG's width and height from its IHDR chunk, so a mask of the wrong size is refused in the
/// gateway without decoding it (the image grain decodes and checks the pixels).
/// </summary>
public static class PngDimensions
{
    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    public static bool TryRead(ReadOnlySpan<byte> png, out int width, out int height)
    {
        width = height = 0;
        // signature (8) + IHDR length (4) + "IHDR" (4) + width (4) + height (4)
        if (png.Length < 24 || !png[..8].SequenceEqual(Signature) || !png.Slice(12, 4).SequenceEqual("IHDR"u8))
            return false;
        width = BinaryPrimitives.ReadInt32BigEndian(png.Slice(16, 4));
        height = BinaryPrimitives.ReadInt32BigEndian(png.Slice(20, 4));
        return width > 0 && height > 0;
    }
}
