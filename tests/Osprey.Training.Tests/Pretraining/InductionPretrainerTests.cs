using Osprey.Engine;
using Osprey.Engine.Devices;
using Osprey.Training.Pretraining;
using Osprey.Training.Tests.Training;
using Osprey.Training.Training;

namespace Osprey.Training.Tests.Pretraining;

public class InductionPretrainerTests
{
    private static TrainingOptions Options(int steps) => TinyTraining.Options(steps, batchSize: 4, lr: 5e-3) with { Modules = InductionPretrainer.Modules };

    [Fact]
    public void Draws_repeatable_sequences_from_its_pool_with_the_digits_in_it()
    {
        using var model = FreshModel.Create(TinyTraining.Config, TinyTraining.Tokenizer, seed: 5, layerScale: 1.0);
        using var trainer = new InductionPretrainer(model, TinyTraining.Tokenizer, RepositoryPaths.TokenizerModel, Options(1), 4, 9, Path.GetTempPath(), TextWriter.Null);
        foreach (var digit in "0123456789")
            Assert.Contains(trainer.Pool, id => TinyTraining.Tokenizer.IdToPiece(id) == digit.ToString());
        Assert.Equal(InductionPretrainer.PoolPieces + 10, trainer.Pool.Count);
        for (var i = 0; i < 50; i++)
        {
            var sequence = trainer.Sequence(i);
            Assert.InRange(sequence.Length, 4, 9);
            Assert.All(sequence, id => Assert.Contains(id, trainer.Pool));
            Assert.Equal(sequence, trainer.Sequence(i));
        }
        Assert.NotEqual(trainer.Sequence(0), trainer.Sequence(1));
    }

    [Fact]
    public void Lowers_the_repeat_loss_and_leaves_vision_projector_and_extractor_untouched()
    {
        var outDir = Directory.CreateTempSubdirectory("osprey-induction").FullName;
        try
        {
            using var model = FreshModel.Create(TinyTraining.Config, TinyTraining.Tokenizer, seed: 5, layerScale: 1.0);
            var frozenBefore = VisionPretrainerTests.Snapshot(model, "vision_trunk.", "mm_projector.", "mask_extractor.");
            IReadOnlyList<double> losses;
            using (var trainer = new InductionPretrainer(model, TinyTraining.Tokenizer, RepositoryPaths.TokenizerModel, Options(40), 4, 12, outDir, TextWriter.Null))
                losses = trainer.Run();

            Assert.Equal(40, losses.Count);
            var first = losses.Take(5).Average();
            var last = losses.TakeLast(5).Average();
            Assert.True(last < 0.9 * first, $"repeat loss {first:F3} → {last:F3}");
            foreach (var (name, value) in VisionPretrainerTests.Snapshot(model, "vision_trunk.", "mm_projector.", "mask_extractor."))
                Assert.True(value.SequenceEqual(frozenBefore[name]), $"{name} changed");
            using var engine = OspreyEngine.Load(outDir, EngineOptions.Cpu32);
            Assert.Equal(model.named_parameters().Select(p => p.name).Order(), engine.Model.named_parameters().Select(p => p.name).Order());
        }
        finally
        {
            Directory.Delete(outDir, recursive: true);
        }
    }
}
