using Osprey.Engine.Devices;
using Osprey.Engine.Multimodal;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Multimodal;

/// <summary>
/// An encode projects its image tokens a few hundred at a time (<see cref="ImageEncodePass.ProjectedTokensPerSlice"/>):
/// the tokens are the projector's over all of res4 at once.
/// </summary>
public sealed class ImageEncodePassTests
{
    [Fact]
    public void Image_tokens_projected_in_slices_are_the_projectors_over_the_whole_grid()
    {
        using var inference = torch.inference_mode();
        using var engine = OspreyEngine.Load(FixturePaths.OspreyTiny, EngineOptions.Cpu32);
        using var scope = torch.NewDisposeScope();
        using var generator = new Generator(11);
        // A larger input than the model's own: a 20×20 grid of res4 positions, 400 tokens, two slices.
        var pixels = torch.randn([1, 3, 320, 320], generator: generator);
        using var pass = engine.Model.BeginEncodeImage(pixels);
        while (!pass.IsDone) pass.RunSlice();
        using var features = pass.TakeFeatures();
        Assert.Equal(400, features.TokenCount);
        Assert.True(400 > ImageEncodePass.ProjectedTokensPerSlice);

        var whole = engine.Model.mm_projector.forward(features.Levels.Res4);
        Assert.Equal(whole.shape, features.ImageTokens.shape);
        Assert.True(whole.allclose(features.ImageTokens, rtol: 1e-5, atol: 1e-6), $"max difference {whole.sub(features.ImageTokens).abs().max().item<float>()}");
    }
}
