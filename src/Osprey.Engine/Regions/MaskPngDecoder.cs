using Osprey.Engine.Imaging;

namespace Osprey.Engine.Regions;

/// <summary>
/// Reads a mask image as the Osprey pipeline does: PIL <c>convert("L")</c>, inside where the value is &gt; 127.
/// PIL's luma is ITU-R 601 in 16-bit fixed point, L = (19595 R + 38470 G + 7471 B + 2^15) >> 16, which
/// leaves grey unchanged; alpha is ignored. No EXIF orientation is applied (PIL does not apply it on open).
/// </summary>
public sealed class MaskPngDecoder(ImageDecoder? decoder = null)
{
    private readonly ImageDecoder _decoder = decoder ?? new ImageDecoder();

    public RegionMask DecodeFile(string path)
    {
        if (!File.Exists(path))
            throw new RegionFormatException($"mask file not found: {path} (a region is a mask PNG path, box:x0,y0,x1,y1, poly:x,y,x,y,… or rle:FILE.json)");
        byte[] bytes;
        try
        {
            var length = new FileInfo(path).Length;
            if (length > _decoder.Limits.MaxEncodedBytes)
                throw new ImageDecodeException(ImageDecodeFailure.TooLarge, $"{length:N0} bytes exceeds the limit of {_decoder.Limits.MaxEncodedBytes:N0} bytes");
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ImageDecodeException)
        {
            throw new RegionFormatException($"cannot read mask file {path}: {e.Message}", e);
        }
        return Decode(bytes, path);
    }

    public RegionMask Decode(ReadOnlySpan<byte> encoded, string sourceName = "mask")
    {
        RgbImage rgb;
        try
        {
            rgb = _decoder.Decode(encoded, sourceName, applyExifOrientation: false);
        }
        catch (ImageDecodeException e)
        {
            throw new RegionFormatException($"mask {e.Message}", e);
        }
        var px = rgb.Pixels;
        var data = new byte[(long)rgb.Width * rgb.Height];
        for (long i = 0; i < data.LongLength; i++)
        {
            var luma = (px[3 * i] * 19595 + px[3 * i + 1] * 38470 + px[3 * i + 2] * 7471 + 0x8000) >> 16;
            data[i] = luma > 127 ? (byte)1 : (byte)0;
        }
        return new RegionMask(rgb.Height, rgb.Width, data);
    }
}
