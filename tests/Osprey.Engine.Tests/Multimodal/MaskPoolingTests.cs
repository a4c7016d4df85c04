using Osprey.Engine.Multimodal;
using Osprey.Engine.Tests.Vision;
using Osprey.Engine.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Multimodal;

public sealed class MaskPoolingTests
{
    [Fact]
    public void EmptyMaskPoolsToZeros()
    {
        using var inference = torch.inference_mode();
        using var feature = torch.randn(1, 5, 8, 8);
        using var masks = torch.zeros(2, 40, 30);
        masks[1, 10..20, 5..15] = torch.ones(10, 10);
        using var pooled = MaskPooling.Pool(feature, masks);
        Assert.Equal([2L, 5L], pooled.shape);
        Assert.True(pooled.isfinite().all().item<bool>());
        Assert.Equal(0f, pooled[0].abs().max().item<float>());
        Assert.True(pooled[1].abs().max().item<float>() > 0);
    }

    [Fact]
    public void MaskAtTheFeatureResolutionAveragesTheSelectedPixels()
    {
        using var inference = torch.inference_mode();
        using var feature = torch.randn(1, 3, 6, 4);
        using var masks = torch.zeros(1, 6, 4);
        (int Y, int X)[] pixels = [(0, 0), (2, 3), (5, 1)];
        foreach (var (y, x) in pixels) masks[0, y, x] = 1f;
        using var pooled = MaskPooling.Pool(feature, masks);
        for (var c = 0; c < 3; c++)
        {
            var mean = pixels.Average(p => feature[0, c, p.Y, p.X].item<float>());
            Assert.Equal(mean, pooled[0, c].item<float>(), 5);
        }
    }

    [Fact]
    public void EmptyRegionGivesFiniteTokens()
    {
        using var fixture = TinyOspreyCase.Open("p1_shapes_640x480");
        var trunk = OspreyTinyCheckpoint.Trunk;
        var extractor = OspreyTinyCheckpoint.Extractor;
        using var pixels = fixture.Read("pixel_values");
        using var inference = torch.inference_mode();
        using var features = trunk.forward(pixels);
        using var masks = torch.zeros(1, 480, 640);
        var (maskTokens, posTokens) = extractor.forward(features, masks);
        using (maskTokens)
        using (posTokens)
        {
            Assert.True(maskTokens.isfinite().all().item<bool>());
            Assert.True(posTokens.isfinite().all().item<bool>());
            // Every level pools to zero, so the token is the biases carried through the linears.
            using var zeros = torch.zeros(1, extractor.res2.InFeatures);
            using var bias = extractor.res2.bias! + extractor.res3.bias! + extractor.res4.bias! + extractor.res5.bias!;
            using var expected = extractor.feat_linear.forward(bias.unsqueeze(0));
            Assert.True(TinyOspreyCase.MaxAbsDiff(maskTokens, expected) < 1e-6f);
        }
    }

    [Fact]
    public void RejectsMasksOfTheWrongShape()
    {
        var extractor = OspreyTinyCheckpoint.Extractor;
        using var inference = torch.inference_mode();
        using var features = new VisionFeatures(torch.zeros(1, 8, 16, 16), torch.zeros(1, 16, 8, 8), torch.zeros(1, 32, 4, 4), torch.zeros(1, 64, 2, 2));
        using var flat = torch.zeros(40, 30);
        using var emptySide = torch.zeros(1, 0, 30);
        Assert.Throws<ArgumentException>(() => extractor.forward(features, flat));
        Assert.Throws<ArgumentException>(() => extractor.forward(features, emptySide));
    }
}
