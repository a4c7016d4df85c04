using Osprey.Engine.Multimodal;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Multimodal;

public sealed class EmbeddingSpliceTests
{
    private const int Mask = 32000, Pos = 32001, Image = -200;
    private readonly EmbeddingSplice _splice = new(Image, Mask, Pos);

    // Embedding of id i is the row [i, i] so spliced rows can be recognised.
    private static Tensor Embed(Tensor ids) => ids.to(ScalarType.Float32).unsqueeze(1).expand(-1, 2).contiguous();

    [Fact]
    public void SplicesImageTokensAndTheKthPairWithRegionK()
    {
        using var scope = torch.NewDisposeScope();
        var image = torch.full(3, 2, -1f);
        var regions = torch.tensor(new float[] { 10, 10, 11, 11, 20, 20, 21, 21 }, [2, 2, 2]);
        int[] ids = [1, 5, Image, 6, Mask, Pos, 7, Mask, Pos];
        var embeds = _splice.Build(ids, Embed, image, regions, torch.CPU);
        var firstColumn = embeds[.., 0].data<float>().ToArray();
        Assert.Equal(new float[] { 1, 5, -1, -1, -1, 6, 10, 11, 7, 20, 21 }, firstColumn);
    }

    [Fact]
    public void RejectsAPairCountThatDiffersFromTheRegions()
    {
        using var scope = torch.NewDisposeScope();
        var regions = torch.zeros(1, 2, 2);
        var e = Assert.Throws<PromptRegionException>(() => _splice.Build([1, Mask, Pos, Mask, Pos], Embed, null, regions, torch.CPU));
        Assert.Contains("2 <mask><pos> pair(s) but 1 region(s)", e.Message);
    }

    [Theory]
    [InlineData(new[] { 1, Mask, 5, Pos })]
    [InlineData(new[] { 1, Pos })]
    [InlineData(new[] { 1, Mask })]
    public void RejectsBrokenPairs(int[] ids)
    {
        using var scope = torch.NewDisposeScope();
        Assert.Throws<PromptRegionException>(() => _splice.Build(ids, Embed, null, torch.zeros(1, 2, 2), torch.CPU));
    }

    [Fact]
    public void RejectsAnImagePlaceholderWithoutAnImage()
    {
        using var scope = torch.NewDisposeScope();
        var e = Assert.Throws<PromptRegionException>(() => _splice.Build([1, Image], Embed, null, null, torch.CPU));
        Assert.Contains("no image", e.Message);
    }
}
