using Osprey.Training.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Training.Tests.Training;

public class VisionLearningRateTests
{
    /// <summary>
    /// Adam's first update of an element is lr·g/|g| (plus decay), so from the same weights and data a
    /// run with the vision modules' rate scaled by s moves every vision parameter by exactly s times as
    /// much, and every decoder parameter by the same amount.
    /// </summary>
    [Fact]
    public void TheScaleMultipliesTheFirstUpdateOfTheVisionModulesOnly()
    {
        var full = FirstUpdate(1.0);
        var scaled = FirstUpdate(0.25);
        var vision = new[] { "vision_trunk.", "mm_projector.", "mask_extractor." };
        int visionMoved = 0, decoderMoved = 0;
        foreach (var (name, delta) in full)
        {
            var isVision = vision.Any(p => name.StartsWith(p, StringComparison.Ordinal));
            var expected = isVision ? delta.mul(0.25) : delta;
            // atol: deltas are differences of float32 weights up to ~0.5, so each carries up to ~3e-8 of rounding.
            Assert.True(scaled[name].allclose(expected, rtol: 1e-4, atol: 1e-7), $"{name}: update not {(isVision ? "scaled by 0.25" : "unchanged")}");
            if (delta.abs().max().item<float>() > 0) { if (isVision) visionMoved++; else decoderMoved++; }
        }
        Assert.True(visionMoved > 10 && decoderMoved > 10, $"{visionMoved} vision and {decoderMoved} decoder parameters moved");
        foreach (var t in full.Values.Concat(scaled.Values)) t.Dispose();
    }

    private static Dictionary<string, Tensor> FirstUpdate(double visionScale)
    {
        var root = Directory.CreateTempSubdirectory("osprey-vision-lr").FullName;
        try
        {
            using var model = FreshModel.Create(TinyTraining.Config, TinyTraining.Tokenizer, seed: 5);
            var before = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
            var options = TinyTraining.Options(1, 2, lr: 1e-2) with { WarmupSteps = 1, VisionLearningRateScale = visionScale };
            using (var trainer = new Trainer(model, TinyTraining.Tokenizer, RepositoryPaths.TokenizerModel,
                       new ListTrainingSource(TinyTraining.Examples(3, 2)), options, root, TextWriter.Null))
                trainer.Run();
            var deltas = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().sub(before[p.name]));
            foreach (var t in before.Values) t.Dispose();
            return deltas;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
