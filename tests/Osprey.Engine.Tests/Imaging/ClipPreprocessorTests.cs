using Osprey.Engine.Checkpoints;
using Osprey.Engine.Imaging;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Imaging;

public class ClipPreprocessorTests(ITestOutputHelper output)
{
    public static TheoryData<string> Cases() => new(TestImages.OspreyTinyCases);

    [Theory]
    [MemberData(nameof(Cases))]
    public void FileToPixelValuesMatchesFixture(string caseName)
    {
        var imageFile = File.Exists(TestImages.Case(caseName, "image.jpg")) ? "image.jpg" : "image.png";
        var image = new ImageDecoder().DecodeFile(TestImages.Case(caseName, imageFile));
        var preprocessor = new ClipPreprocessor(512);

        using var actual = preprocessor.Preprocess(image);
        using var file = SafetensorsFile.Open(TestImages.Case(caseName, "case.safetensors"));
        using var expected = file.Read("pixel_values");

        Assert.Equal(new long[] { 1, 3, 512, 512 }, actual.shape);
        Assert.Equal(ScalarType.Float32, actual.dtype);
        Assert.Equal(expected.shape, actual.shape);
        var maxDiff = (actual - expected).abs().max().item<float>();
        output.WriteLine($"{caseName}: {image.Width}x{image.Height}, max |diff| = {maxDiff:E3}");
        Assert.True(maxDiff <= 1e-4f, $"{caseName}: max |diff| {maxDiff} > 1e-4");
    }

    [Theory]
    [InlineData(640, 480, 682, 512)]
    [InlineData(37, 53, 512, 733)]
    [InlineData(300, 200, 768, 512)]
    [InlineData(512, 768, 512, 768)]
    [InlineData(1000, 3, 170666, 512)]
    public void ShortestEdgeSizeTruncatesTheLongEdge(int w, int h, int expectedW, int expectedH)
        => Assert.Equal((expectedW, expectedH), ClipPreprocessor.ShortestEdgeSize(w, h, 512));

    [Fact]
    public void FixtureResizedSizesAgree()
    {
        // case.json records the resize target PIL used; the size rule must reproduce it.
        foreach (var caseName in TestImages.OspreyTinyCases)
        {
            using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(TestImages.Case(caseName, "case.json")));
            var root = doc.RootElement;
            var size = root.GetProperty("image_size_wh");
            var resized = root.GetProperty("resized_size_wh");
            Assert.Equal((resized[0].GetInt32(), resized[1].GetInt32()),
                ClipPreprocessor.ShortestEdgeSize(size[0].GetInt32(), size[1].GetInt32(), 512));
        }
    }

    [Fact]
    public void SmallerConfiguredSizeGivesThatSize()
    {
        var image = new ImageDecoder().DecodeFile(TestImages.Case("p2_tiny_37x53", "image.png"));
        using var pixels = new ClipPreprocessor(64).Preprocess(image);
        Assert.Equal(new long[] { 1, 3, 64, 64 }, pixels.shape);
    }
}
