using Osprey.Engine.Config;
using Osprey.Engine.Layers;
using Osprey.Engine.Vision;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Vision;

public sealed class ConvNeXtTrunkFixtureTests(ITestOutputHelper output)
{
    private const float Tolerance = 1e-4f;

    public static IEnumerable<object[]> Cases() => TinyOspreyCase.Names();

    [Theory]
    [MemberData(nameof(Cases))]
    public void StageOutputsMatchTheFixture(string caseName)
    {
        using var fixture = TinyOspreyCase.Open(caseName);
        var trunk = OspreyTinyCheckpoint.Trunk;
        using var pixels = fixture.Read("pixel_values");
        using var inference = torch.inference_mode();
        using var features = trunk.forward(pixels);
        AssertLevels(fixture, features, "inference");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TrainableTrunkComputesTheSameFeaturesAndBackpropagates(string caseName)
    {
        using var fixture = TinyOspreyCase.Open(caseName);
        using var own = OspreyTinyCheckpoint.Fresh();
        var trunk = own.Model.vision_trunk;
        foreach (var p in trunk.parameters()) p.requires_grad = true;
        using var pixels = fixture.Read("pixel_values");
        using var features = trunk.forward(pixels);
        AssertLevels(fixture, features, "autograd");

        using var loss = features.Levels.Select(t => t.square().mean()).Aggregate((a, b) => a + b);
        loss.backward();
        var block = trunk.stages[0].blocks[0];
        foreach (var p in new[] { block.gamma, block.conv_dw.weight, block.mlp.fc1.weight, ((Conv2d)trunk.stem[0]).weight })
        {
            Assert.NotNull(p.grad);
            Assert.True(p.grad!.isfinite().all().item<bool>());
            Assert.True(p.grad.abs().sum().item<float>() > 0);
        }
    }

    [Fact]
    public void RejectsPixelsOfTheWrongShape()
    {
        var trunk = OspreyTinyCheckpoint.Trunk;
        using var inference = torch.inference_mode();
        using var rgba = torch.zeros(1, 4, 64, 64);
        using var ragged = torch.zeros(1, 3, 64, 70);
        using var planar = torch.zeros(3, 64, 64);
        Assert.Throws<ArgumentException>(() => trunk.forward(rgba));
        Assert.Throws<ArgumentException>(() => trunk.forward(ragged));
        Assert.Throws<ArgumentException>(() => trunk.forward(planar));
    }

    [Fact]
    public void TrunkFollowsItsParameterDtype()
    {
        using var fixture = TinyOspreyCase.Open("p2_tiny_37x53");
        using var own = OspreyTinyCheckpoint.Fresh();
        var trunk = own.Model.vision_trunk;
        trunk.to(ScalarType.Float64);
        using var pixels = fixture.Read("pixel_values");
        using var inference = torch.inference_mode();
        using var features = trunk.forward(pixels);
        Assert.All(features.Levels, t => Assert.Equal(ScalarType.Float64, t.dtype));
        using var expected = fixture.Read("res5");
        Assert.True(TinyOspreyCase.MaxAbsDiff(features.Res5, expected) < Tolerance);
    }

    private void AssertLevels(TinyOspreyCase fixture, VisionFeatures features, string mode)
    {
        string[] names = ["res2", "res3", "res4", "res5"];
        for (var l = 0; l < 4; l++)
        {
            using var expected = fixture.Read(names[l]);
            Assert.True(features.Levels[l].is_contiguous());
            var diff = TinyOspreyCase.MaxAbsDiff(features.Levels[l], expected);
            output.WriteLine($"{fixture.Name} {mode} {names[l]} max|Δ| = {diff:E2}");
            Assert.True(diff < Tolerance, $"{fixture.Name} {names[l]}: max |Δ| {diff:E2} ≥ {Tolerance:E0}");
        }
    }
}
