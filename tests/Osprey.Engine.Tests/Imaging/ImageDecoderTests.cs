using System.Buffers.Binary;
using System.Text.Json;
using Osprey.Engine.Imaging;

namespace Osprey.Engine.Tests.Imaging;

public class ImageDecoderTests
{
    private readonly ImageDecoder _decoder = new();

    [Fact]
    public void JpegDecodesToThePixelsPilGives()
    {
        var actual = _decoder.DecodeFile(TestImages.Case("p3_jpeg_300x200", "image.jpg"));
        var expected = _decoder.DecodeFile(TestImages.Case("p3_jpeg_300x200", "image_decoded.png"));
        TestImages.AssertSamePixels(expected, actual, "p3 JPEG vs PIL/libjpeg-turbo decode");
    }

    public static TheoryData<string> DecodeCaseFiles()
    {
        var data = new TheoryData<string>();
        foreach (var c in LoadDecodeCases()) data.Add(c.GetProperty("file").GetString()!);
        return data;
    }

    private static JsonElement[] LoadDecodeCases()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(TestImages.Data("decode_cases.json")));
        return doc.RootElement.GetProperty("cases").EnumerateArray().Select(e => e.Clone()).ToArray();
    }

    /// <summary>Each colour mode (grey, grey+alpha, RGBA, palette, 1-bit, 16-bit, EXIF orientations)
    /// against PIL's <c>exif_transpose(...).convert("RGB")</c>.</summary>
    [Theory]
    [MemberData(nameof(DecodeCaseFiles))]
    public void MatchesPilConvertRgb(string file)
    {
        var c = LoadDecodeCases().Single(e => e.GetProperty("file").GetString() == file);
        var expected = new RgbImage(c.GetProperty("width").GetInt32(), c.GetProperty("height").GetInt32(),
            Convert.FromBase64String(c.GetProperty("rgb_base64").GetString()!));

        if (!c.GetProperty("supported").GetBoolean())
        {
            var ex = Assert.Throws<ImageDecodeException>(() => _decoder.DecodeFile(TestImages.Data(file)));
            Assert.Equal(ImageDecodeFailure.Unsupported, ex.Reason);
            return;
        }
        var actual = _decoder.DecodeFile(TestImages.Data(file));

        TestImages.AssertSamePixels(expected, actual, $"{file} ({c.GetProperty("note").GetString()})");
    }

    [Theory]
    [InlineData("p1_shapes_640x480", "image.png")]
    [InlineData("p3_jpeg_300x200", "image.jpg")]
    public void TruncatedFilesAreRejected(string caseName, string file)
    {
        var bytes = File.ReadAllBytes(TestImages.Case(caseName, file));
        foreach (var fraction in new[] { 0.05, 0.5, 0.9 })
        {
            var cut = bytes.AsSpan(0, (int)(bytes.Length * fraction)).ToArray();
            var ex = Assert.Throws<ImageDecodeException>(() => _decoder.Decode(cut, file));
            Assert.Equal(ImageDecodeFailure.TruncatedOrCorrupt, ex.Reason);
        }
        // Without its last two bytes: PIL rejects the JPEG (its EOI marker is gone) but accepts the PNG
        // (only IEND's CRC is gone, every pixel is there); the decoder agrees with both.
        var nearlyAll = bytes.AsSpan(0, bytes.Length - 2).ToArray();
        if (file.EndsWith(".jpg"))
            Assert.Equal(ImageDecodeFailure.TruncatedOrCorrupt,
                Assert.Throws<ImageDecodeException>(() => _decoder.Decode(nearlyAll, file)).Reason);
        else
            TestImages.AssertSamePixels(_decoder.Decode(bytes), _decoder.Decode(nearlyAll, file), "PNG without IEND");
    }

    [Fact]
    public void InterlacedSixteenBitGreyIsRefusedAsUnsupported()
    {
        // PIL reads Adam7-interlaced 16-bit grey; the decoder reads only non-interlaced, so it says so.
        var png = File.ReadAllBytes(TestImages.Data("grey16.png"));
        png[28] = 1;
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(29), Crc32(png[12..29]));
        var ex = Assert.Throws<ImageDecodeException>(() => _decoder.Decode(png, "interlaced.png"));
        Assert.Equal(ImageDecodeFailure.Unsupported, ex.Reason);
        Assert.Contains("interlaced 16-bit greyscale", ex.Message);
    }

    [Fact]
    public void NonImageBytesAreNotAnImage()
    {
        var ex = Assert.Throws<ImageDecodeException>(() => _decoder.Decode("hello, this is not an image"u8, "notes.txt"));
        Assert.Equal(ImageDecodeFailure.NotAnImage, ex.Reason);
        Assert.Contains("notes.txt", ex.Message);
        Assert.Equal(ImageDecodeFailure.NotAnImage,
            Assert.Throws<ImageDecodeException>(() => _decoder.Decode(ReadOnlySpan<byte>.Empty)).Reason);
    }

    [Fact]
    public void HeaderDeclaringHugeImageIsRejectedBeforeDecoding()
    {
        // A valid PNG claiming 100000 x 100000 pixels with a few bytes of image data: decoding it
        // would allocate 40 GB, so only a check of the header before decoding can refuse it in time.
        var png = PngBomb(100_000, 100_000);
        var ex = Assert.Throws<ImageDecodeException>(() => _decoder.Decode(png, "bomb.png"));
        Assert.Equal(ImageDecodeFailure.TooLarge, ex.Reason);
        Assert.Contains("10,000,000,000 pixels", ex.Message);
    }

    [Fact]
    public void PixelLimitIsConfigurable()
    {
        var strict = new ImageDecoder(new ImageDecoderLimits { MaxPixels = 640 * 480 - 1 });
        var ex = Assert.Throws<ImageDecodeException>(() => strict.DecodeFile(TestImages.Case("p1_shapes_640x480", "image.png")));
        Assert.Equal(ImageDecodeFailure.TooLarge, ex.Reason);
        var exact = new ImageDecoder(new ImageDecoderLimits { MaxPixels = 640 * 480 });
        Assert.Equal(640, exact.DecodeFile(TestImages.Case("p1_shapes_640x480", "image.png")).Width);
    }

    [Fact]
    public void ByteLimitIsCheckedBeforeReading()
    {
        var path = TestImages.Case("p1_shapes_640x480", "image.png");
        var length = new FileInfo(path).Length;
        var strict = new ImageDecoder(new ImageDecoderLimits { MaxEncodedBytes = length - 1 });
        Assert.Equal(ImageDecodeFailure.TooLarge, Assert.Throws<ImageDecodeException>(() => strict.DecodeFile(path)).Reason);
        Assert.Equal(ImageDecodeFailure.TooLarge,
            Assert.Throws<ImageDecodeException>(() => strict.Decode(File.ReadAllBytes(path))).Reason);
    }

    [Fact]
    public void DefaultsAreThirtyTwoMebibytesAndFortyMegapixels()
    {
        Assert.Equal(32L * 1024 * 1024, ImageDecoderLimits.Default.MaxEncodedBytes);
        Assert.Equal(40_000_000, ImageDecoderLimits.Default.MaxPixels);
    }

    private static byte[] PngBomb(int width, int height)
    {
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 2; // RGB
        using var ms = new MemoryStream();
        ms.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        WriteChunk(ms, "IHDR", ihdr);
        using (var compressed = new MemoryStream())
        {
            using (var z = new System.IO.Compression.ZLibStream(compressed, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
                z.Write(new byte[4096]);
            WriteChunk(ms, "IDAT", compressed.ToArray());
        }
        WriteChunk(ms, "IEND", []);
        return ms.ToArray();
    }

    private static void WriteChunk(Stream s, string type, byte[] data)
    {
        Span<byte> len = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(len, data.Length);
        s.Write(len);
        var typed = System.Text.Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        s.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(len, Crc32(typed));
        s.Write(len);
    }

    private static uint Crc32(byte[] bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
        }
        return ~crc;
    }
}
