using System.Buffers.Binary;
using System.IO.Hashing;
using System.Net;
using static OspreyCluster.Tests.Gateway.GatewayRequests;

namespace OspreyCluster.Tests.Gateway;

/// <summary>16-bit PNGs upload as Pillow opens them; one the decoder does not read is a 415 with the reason.</summary>
[Collection(EmbeddedGatewayCollection.Name)]
public sealed class SixteenBitUploadTests(EmbeddedGateway gateway)
{
    private static string DecodeCase(string file) =>
        Path.Combine(RepositoryPaths.Root, "tests", "Osprey.Engine.Tests", "Imaging", "Data", file);

    [Theory]
    [InlineData("grey16.png")]
    [InlineData("grey_alpha16.png")]
    [InlineData("rgb16.png")]
    [InlineData("rgba16.png")]
    public async Task A_16_bit_png_is_taken(string file)
    {
        var created = await UploadAsync(gateway.Http, await File.ReadAllBytesAsync(DecodeCase(file)));
        Assert.Equal(13, created.GetProperty("width").GetInt32());
        Assert.Equal(9, created.GetProperty("height").GetInt32());
    }

    [Fact]
    public async Task An_interlaced_16_bit_grey_png_is_a_415_with_the_reason()
    {
        var png = await File.ReadAllBytesAsync(DecodeCase("grey16.png"));
        png[28] = 1;
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(29), Crc32.HashToUInt32(png.AsSpan(12, 17)));
        using var response = await gateway.Http.PostAsync("/v1/images", ImageContent(png));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("interlaced 16-bit greyscale PNG is not supported", await ExpectProblemAsync(response, 415));
    }
}
