using System.Buffers.Binary;
using System.IO.Compression;

namespace Osprey.Engine.Imaging;

/// <summary>
/// Reads the samples of a 16-bit greyscale PNG at full depth, which Skia cannot give (it strips them to
/// their high byte), and converts them as PIL's I -> RGB does: each sample clamped to 0..255, replicated
/// to R=G=B. Only the chunks this needs are read (IHDR's interlace flag, IDAT); the caller has checked the
/// header and the pixel count.
/// </summary>
internal static class SixteenBitGreyPng
{
    private const int BytesPerPixel = 2;

    /// <summary>PNG signature, then IHDR: bit depth at byte 24, colour type at 25 (0 = grey without alpha).</summary>
    public static bool Is(ReadOnlySpan<byte> encoded)
        => encoded.Length > 28
           && encoded[..8].SequenceEqual((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
           && encoded.Slice(12, 4).SequenceEqual("IHDR"u8)
           && encoded[24] == 16 && encoded[25] == 0;

    public static byte[] DecodeToRgb(ReadOnlySpan<byte> encoded, int width, int height, string sourceName)
    {
        if (encoded[28] != 0)
            throw new ImageDecodeException(ImageDecodeFailure.Unsupported,
                $"{sourceName}: interlaced 16-bit greyscale PNG is not supported; save it without interlacing, or as 8-bit");
        var stride = (long)width * BytesPerPixel;
        var rows = Inflate(encoded, (stride + 1) * height, sourceName);
        var rgb = new byte[(long)width * height * 3];
        var previous = new byte[stride];
        var current = new byte[stride];
        for (var y = 0; y < height; y++)
        {
            var filter = rows[y * (stride + 1)];
            Array.Copy(rows, y * (stride + 1) + 1, current, 0, stride);
            Unfilter(filter, current, previous, sourceName);
            for (long x = 0, q = (long)y * width * 3; x < width; x++, q += 3)
            {
                var sample = BinaryPrimitives.ReadUInt16BigEndian(current.AsSpan((int)(x * BytesPerPixel), 2));
                rgb[q] = rgb[q + 1] = rgb[q + 2] = (byte)Math.Min(sample, (ushort)255);
            }
            (previous, current) = (current, previous);
        }
        return rgb;
    }

    /// <summary>The concatenated IDAT data, inflated; exactly the filtered rows the header promises.</summary>
    private static byte[] Inflate(ReadOnlySpan<byte> encoded, long expected, string sourceName)
    {
        using var compressed = new MemoryStream();
        for (var offset = 8; offset + 8 <= encoded.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(encoded.Slice(offset, 4));
            var kind = encoded.Slice(offset + 4, 4);
            if (length < 0 || offset + 12L + length > encoded.Length) break;
            if (kind.SequenceEqual("IDAT"u8)) compressed.Write(encoded.Slice(offset + 8, length));
            if (kind.SequenceEqual("IEND"u8)) break;
            offset += 12 + length;
        }
        compressed.Position = 0;
        var rows = new byte[expected];
        try
        {
            using var zlib = new ZLibStream(compressed, CompressionMode.Decompress);
            zlib.ReadExactly(rows);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            throw new ImageDecodeException(ImageDecodeFailure.TruncatedOrCorrupt,
                $"{sourceName}: the image data is cut short or corrupt; re-export or re-upload the complete file", e);
        }
        return rows;
    }

    /// <summary>PNG's five row filters (spec §9), undone in place.</summary>
    private static void Unfilter(byte filter, byte[] row, byte[] above, string sourceName)
    {
        for (var i = 0; i < row.Length; i++)
        {
            int left = i >= BytesPerPixel ? row[i - BytesPerPixel] : 0;
            int up = above[i];
            int upLeft = i >= BytesPerPixel ? above[i - BytesPerPixel] : 0;
            row[i] = filter switch
            {
                0 => row[i],
                1 => (byte)(row[i] + left),
                2 => (byte)(row[i] + up),
                3 => (byte)(row[i] + (left + up) / 2),
                4 => (byte)(row[i] + Paeth(left, up, upLeft)),
                _ => throw new ImageDecodeException(ImageDecodeFailure.TruncatedOrCorrupt, $"{sourceName}: unknown PNG row filter {filter}"),
            };
        }
    }

    private static int Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
