using SkiaSharp;

namespace Osprey.Engine.Imaging;

/// <summary>
/// Decodes PNG / JPEG / other SkiaSharp-supported bytes to <see cref="RgbImage"/> with the pixels
/// PIL gives for <c>ImageOps.exif_transpose(Image.open(f)).convert("RGB")</c>:
/// grey replicated to R=G=B (16-bit grey clamped to 0..255), 16-bit colour cut to its high byte, palette
/// expanded, alpha dropped without compositing, no colour
/// management (PIL ignores embedded ICC profiles, so Skia is asked for no colour-space conversion).
/// JPEG goes through libjpeg-turbo with its default (islow DCT, fancy upsampling) like PIL.
/// </summary>
public sealed class ImageDecoder
{
    public ImageDecoderLimits Limits { get; }

    public ImageDecoder(ImageDecoderLimits? limits = null) => Limits = limits ?? ImageDecoderLimits.Default;

    /// <summary>Reads a file, checking its length against the limit before reading it.</summary>
    public RgbImage DecodeFile(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) throw new FileNotFoundException($"image file not found: {path}", path);
        CheckEncodedLength(info.Length, path);
        return Decode(File.ReadAllBytes(path), path);
    }

    /// <summary>Decodes encoded bytes; <paramref name="sourceName"/> only labels error messages.</summary>
    public RgbImage Decode(ReadOnlySpan<byte> encoded, string sourceName = "image")
        => Decode(encoded, sourceName, applyExifOrientation: true);

    internal RgbImage Decode(ReadOnlySpan<byte> encoded, string sourceName, bool applyExifOrientation)
    {
        CheckEncodedLength(encoded.Length, sourceName);
        if (encoded.IsEmpty)
            throw new ImageDecodeException(ImageDecodeFailure.NotAnImage, $"{sourceName}: the file is empty");

        using var stream = new SKMemoryStream(encoded.ToArray());
        using var codec = SKCodec.Create(stream, out var createResult);
        if (codec is null)
            throw createResult switch
            {
                SKCodecResult.IncompleteInput => new ImageDecodeException(ImageDecodeFailure.TruncatedOrCorrupt,
                    $"{sourceName}: the image header is cut short (file truncated?)"),
                SKCodecResult.ErrorInInput or SKCodecResult.InvalidInput => new ImageDecodeException(ImageDecodeFailure.TruncatedOrCorrupt,
                    $"{sourceName}: the image header is corrupt ({createResult})"),
                _ => new ImageDecodeException(ImageDecodeFailure.NotAnImage,
                    $"{sourceName}: not a recognised image format (expected PNG, JPEG, WebP, GIF or BMP)"),
            };

        // Header-only facts: nothing has been decoded yet.
        var width = codec.Info.Width;
        var height = codec.Info.Height;
        if (width <= 0 || height <= 0)
            throw new ImageDecodeException(ImageDecodeFailure.TruncatedOrCorrupt, $"{sourceName}: the header declares an empty {width}x{height} image");
        var pixels = (long)width * height;
        if (pixels > Limits.MaxPixels)
            throw new ImageDecodeException(ImageDecodeFailure.TooLarge,
                $"{sourceName}: {width}x{height} = {pixels:N0} pixels exceeds the limit of {Limits.MaxPixels:N0} pixels; downscale the image first");

        // PIL opens a 16-bit greyscale PNG as mode "I" and its I -> RGB conversion clamps each sample to
        // 0..255 (1000 becomes 255), where Skia strips samples to their high byte (1000 -> 3): such images
        // are read at 16 bits here and clamped. 16-bit RGB(A) and grey+alpha need nothing special:
        // PIL opens them as 8-bit RGB(A) keeping the high byte, as Skia does.
        var rgb = SixteenBitGreyPng.Is(encoded)
            ? SixteenBitGreyPng.DecodeToRgb(encoded, width, height, sourceName)
            : DecodeEightBit(codec, width, height, sourceName);
        var image = new RgbImage(width, height, rgb);
        return applyExifOrientation ? ExifOrientation.Apply(image, codec.EncodedOrigin) : image;
    }

    private static byte[] DecodeEightBit(SKCodec codec, int width, int height, string sourceName)
    {
        // Unpremultiplied: colour channels come out as stored, so dropping alpha matches PIL.
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var rgba = new byte[(long)width * height * 4];
        ReadPixels(codec, info, rgba, sourceName);
        var rgb = new byte[(long)width * height * 3];
        for (long p = 0, q = 0; p < rgba.LongLength; p += 4, q += 3)
        {
            rgb[q] = rgba[p];
            rgb[q + 1] = rgba[p + 1];
            rgb[q + 2] = rgba[p + 2];
        }
        return rgb;
    }

    private static unsafe void ReadPixels(SKCodec codec, SKImageInfo info, byte[] target, string sourceName)
    {
        SKCodecResult result;
        fixed (byte* ptr = target)
            result = codec.GetPixels(info, (IntPtr)ptr);
        switch (result)
        {
            case SKCodecResult.Success:
                return;
            case SKCodecResult.IncompleteInput:
                throw new ImageDecodeException(ImageDecodeFailure.TruncatedOrCorrupt,
                    $"{sourceName}: the image data ends early (file truncated); re-export or re-upload the complete file");
            case SKCodecResult.ErrorInInput:
            case SKCodecResult.InvalidInput:
                throw new ImageDecodeException(ImageDecodeFailure.TruncatedOrCorrupt, $"{sourceName}: the image data is corrupt ({result})");
            default:
                throw new ImageDecodeException(ImageDecodeFailure.Unsupported,
                    $"{sourceName}: this {codec.EncodedFormat} variant cannot be decoded to RGB ({result})");
        }
    }

    private void CheckEncodedLength(long length, string sourceName)
    {
        if (length > Limits.MaxEncodedBytes)
            throw new ImageDecodeException(ImageDecodeFailure.TooLarge,
                $"{sourceName}: {length:N0} bytes exceeds the limit of {Limits.MaxEncodedBytes:N0} bytes");
    }
}
