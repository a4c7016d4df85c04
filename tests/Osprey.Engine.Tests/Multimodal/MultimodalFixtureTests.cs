using Osprey.Engine.Multimodal;
using Osprey.Engine.Tests.Vision;
using Osprey.Engine.Vision;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Multimodal;

/// <summary>From each case's pixel_values: image tokens, mask tokens and position tokens against the fixture.</summary>
public sealed class MultimodalFixtureTests(ITestOutputHelper output)
{
    private const float ImageTokenTolerance = 1e-4f;
    private const float RegionTokenTolerance = 1e-3f;

    public static IEnumerable<object[]> Cases() => TinyOspreyCase.Names();

    [Theory]
    [MemberData(nameof(Cases))]
    public void ImageTokensMatchTheFixture(string caseName)
    {
        using var fixture = TinyOspreyCase.Open(caseName);
        var trunk = OspreyTinyCheckpoint.Trunk;
        var projector = OspreyTinyCheckpoint.Projector;
        using var pixels = fixture.Read("pixel_values");
        using var expected = fixture.Read("image_tokens");
        using var inference = torch.inference_mode();
        using var features = trunk.forward(pixels);
        using var tokens = projector.forward(features.Res4);
        Report(fixture, "image_tokens", tokens, expected, ImageTokenTolerance);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RegionTokensMatchTheFixture(string caseName)
    {
        using var fixture = TinyOspreyCase.Open(caseName);
        var trunk = OspreyTinyCheckpoint.Trunk;
        var extractor = OspreyTinyCheckpoint.Extractor;
        using var pixels = fixture.Read("pixel_values");
        using var masks = fixture.Masks();
        using var counts = masks.sum([1, 2]).to(ScalarType.Int64);
        Assert.Equal(fixture.MaskPixelCounts(), counts.data<long>().ToArray());
        using var expectedMask = fixture.Read("mask_tokens");
        using var expectedPos = fixture.Read("pos_tokens");
        using var inference = torch.inference_mode();
        using var features = trunk.forward(pixels);
        var (maskTokens, posTokens) = extractor.forward(features, masks);
        using (maskTokens)
        using (posTokens)
        {
            Report(fixture, "mask_tokens", maskTokens, expectedMask, RegionTokenTolerance);
            Report(fixture, "pos_tokens", posTokens, expectedPos, RegionTokenTolerance);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TrainableProjectorAndExtractorComputeTheSameTokensAndBackpropagate(string caseName)
    {
        using var fixture = TinyOspreyCase.Open(caseName);
        using var own = OspreyTinyCheckpoint.Fresh();
        var (trunk, projector, extractor) = (own.Model.vision_trunk, own.Model.mm_projector, own.Model.mask_extractor);
        foreach (var p in projector.parameters().Concat(extractor.parameters())) p.requires_grad = true;
        using var pixels = fixture.Read("pixel_values");
        using var masks = fixture.Masks();
        VisionFeatures features;
        using (torch.no_grad()) features = trunk.forward(pixels);
        using (features)
        {
            using var imageTokens = projector.forward(features.Res4);
            var (maskTokens, posTokens) = extractor.forward(features, masks);
            using (maskTokens)
            using (posTokens)
            {
                using (var expected = fixture.Read("image_tokens")) Report(fixture, "image_tokens (autograd)", imageTokens, expected, ImageTokenTolerance);
                using (var expected = fixture.Read("mask_tokens")) Report(fixture, "mask_tokens (autograd)", maskTokens, expected, RegionTokenTolerance);
                using (var expected = fixture.Read("pos_tokens")) Report(fixture, "pos_tokens (autograd)", posTokens, expected, RegionTokenTolerance);

                using var loss = imageTokens.square().mean() + maskTokens.square().mean() + posTokens.square().mean();
                loss.backward();
            }
        }
        foreach (var (name, p) in projector.named_parameters().Concat(extractor.named_parameters()))
        {
            Assert.True(p.grad is not null, $"{name} has no gradient");
            Assert.True(p.grad!.isfinite().all().item<bool>(), $"{name} has a non-finite gradient");
        }
    }

    [Fact]
    public void Bfloat16ProjectorAndExtractorReadFloat32Features()
    {
        using var fixture = TinyOspreyCase.Open("p3_jpeg_300x200");
        using var own = OspreyTinyCheckpoint.Fresh();
        var (trunk, projector, extractor) = (own.Model.vision_trunk, own.Model.mm_projector, own.Model.mask_extractor);
        projector.to(ScalarType.BFloat16);
        extractor.to(ScalarType.BFloat16);
        using var pixels = fixture.Read("pixel_values");
        using var masks = fixture.Masks();
        using var inference = torch.inference_mode();
        using var features = trunk.forward(pixels);
        using var imageTokens = projector.forward(features.Res4);
        var (maskTokens, posTokens) = extractor.forward(features, masks);
        using (maskTokens)
        using (posTokens)
        {
            foreach (var (label, actual) in new[] { ("image_tokens", imageTokens), ("mask_tokens", maskTokens), ("pos_tokens", posTokens) })
            {
                Assert.Equal(ScalarType.BFloat16, actual.dtype);
                using var expected = fixture.Read(label);
                var relative = TinyOspreyCase.MaxAbsDiff(actual, expected) / expected.abs().max().item<float>();
                output.WriteLine($"{fixture.Name} {label} bf16 max|Δ|/max|x| = {relative:E2}");
                // bf16 keeps 8 significant bits: a few 2^-8 steps of the largest value.
                Assert.True(relative < 3e-2f, $"{label}: relative error {relative:E2}");
            }
        }
    }

    private void Report(TinyOspreyCase fixture, string label, Tensor actual, Tensor expected, float tolerance)
    {
        var diff = TinyOspreyCase.MaxAbsDiff(actual, expected);
        output.WriteLine($"{fixture.Name} {label} max|Δ| = {diff:E2}");
        Assert.True(diff < tolerance, $"{fixture.Name} {label}: max |Δ| {diff:E2} ≥ {tolerance:E0}");
    }
}
