using Osprey.Engine;
using Osprey.Engine.Devices;
using Osprey.Training.Pretraining;
using Osprey.Training.Tests.Training;
using Osprey.Training.Training;
using Osprey.Training.Synthetic;
using System.Text.RegularExpressions;

namespace Osprey.Training.Tests.Pretraining;

public class InductionPretrainerTests
{
    private static TrainingOptions Options(int steps) => TinyTraining.Options(steps, batchSize: 4, lr: 5e-3) with { Modules = InductionPretrainer.Modules };

    private static readonly IReadOnlyList<int> Pool = InductionPretrainer.Pool(TinyTraining.Tokenizer);

    [Fact]
    public void Draws_repeatable_repeated_sequences_from_its_pool_with_the_digits_in_it()
    {
        foreach (var digit in "0123456789")
            Assert.Contains(Pool, id => TinyTraining.Tokenizer.IdToPiece(id) == digit.ToString());
        Assert.Equal(InductionPretrainer.PoolPieces + 10, Pool.Count);
        using var model = FreshModel.Create(TinyTraining.Config, TinyTraining.Tokenizer, seed: 5, layerScale: 1.0);
        using var trainer = new InductionPretrainer(model, TinyTraining.Tokenizer, RepositoryPaths.TokenizerModel, Options(1),
            new RepeatedTokenSequences(Pool, TinyTraining.Tokenizer.BosId, 4, 9), Path.GetTempPath(), TextWriter.Null);
        for (var i = 0; i < 50; i++)
        {
            var sequence = trainer.Sequence(i);
            var half = (sequence.Ids.Length - 1) / 2;
            Assert.InRange(half, 4, 9);
            Assert.Equal(TinyTraining.Tokenizer.BosId, sequence.Ids[0]);
            Assert.Equal(sequence.Ids[1..(half + 1)], sequence.Ids[(half + 1)..]);
            Assert.All(sequence.Ids[1..], id => Assert.Contains((int)id, Pool));
            // Every scored position sits in the repeat and predicts a token its match's successor gives.
            Assert.All(sequence.ScoredPositions, p => Assert.Equal(sequence.Ids[p + 1], sequence.Ids[p + 1 - half]));
            Assert.Equal(half - 1, sequence.ScoredPositions.Length);
            Assert.Equal(sequence, trainer.Sequence(i), LookupSequenceComparer);
        }
        Assert.NotEqual(trainer.Sequence(0).Ids, trainer.Sequence(1).Ids);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Region_recall_answers_each_question_with_the_tokens_that_followed_its_region_in_the_introduction(bool inChat)
    {
        var tokenizer = TinyTraining.Tokenizer;
        var recall = new RegionRecallSequences(tokenizer, Pool, maxRegions: 4, questions: 5, inChat);
        var regionCounts = new HashSet<int>();
        for (var i = 0; i < 40; i++)
        {
            var sequence = recall.Draw(SeededRandom.Derive(3, i));
            var text = tokenizer.Decode(sequence.Ids.Select(id => (int)id).ToArray());
            Assert.DoesNotContain("<mask>", text);
            Assert.DoesNotContain("<image>", text);
            var match = Regex.Match(text, @"Ther are (\d) part region");
            Assert.True(match.Success, text);
            var regions = int.Parse(match.Groups[1].Value);
            regionCounts.Add(regions);
            Assert.Equal(5 * 2, sequence.ScoredPositions.Length);

            // Find each region's two tokens after "regionK" in the introduction, by the ids.
            var ids = sequence.Ids;
            var introduced = new Dictionary<long, (long, long)>();
            var digits = Enumerable.Range(1, regions).ToDictionary(k => (long)tokenizer.EncodeSentencePiece(k.ToString()).Last(), k => k);
            var answers = sequence.ScoredPositions.Where((_, j) => j % 2 == 0).ToArray();
            for (var p = 1; p < answers[0] - 1 && introduced.Count < regions; p++)
                if (digits.ContainsKey(ids[p]) && tokenizer.IdToPiece((int)ids[p - 1]).EndsWith("region", StringComparison.Ordinal) && !introduced.ContainsKey(ids[p]))
                    introduced[ids[p]] = (ids[p + 1], ids[p + 2]);
            Assert.Equal(regions, introduced.Count);
            foreach (var a in answers)
            {
                // The question's region digit is the last digit after "region" before the answer.
                var q = Enumerable.Range(1, a).Reverse().First(p => digits.ContainsKey(ids[p]) && tokenizer.IdToPiece((int)ids[p - 1]).EndsWith("region", StringComparison.Ordinal));
                Assert.Equal(introduced[ids[q]], (ids[a + 1], ids[a + 2]));
                if (inChat) Assert.EndsWith("ASSISTANT:", tokenizer.Decode(ids[(a - 8)..(a + 1)].Select(id => (int)id).ToArray()).TrimEnd());
                else Assert.Equal(q, a);
            }
        }
        Assert.True(regionCounts.Count >= 3, $"region counts drawn: {string.Join(",", regionCounts)}");
    }

    [Fact]
    public void Resumed_run_repeats_the_losses_of_an_uninterrupted_one()
    {
        var root = Directory.CreateTempSubdirectory("osprey-induction-resume").FullName;
        var recall = new RegionRecallSequences(TinyTraining.Tokenizer, Pool, maxRegions: 3, questions: 3, inChat: false);
        try
        {
            IReadOnlyList<double> uninterrupted;
            using (var model = FreshModel.Create(TinyTraining.Config, TinyTraining.Tokenizer, seed: 5, layerScale: 1.0))
            using (var trainer = new InductionPretrainer(model, TinyTraining.Tokenizer, RepositoryPaths.TokenizerModel, Options(4), recall, Path.Combine(root, "a"), TextWriter.Null))
                uninterrupted = trainer.Run();

            var outDir = Path.Combine(root, "b");
            IReadOnlyList<double> firstHalf;
            using (var model = FreshModel.Create(TinyTraining.Config, TinyTraining.Tokenizer, seed: 5, layerScale: 1.0))
            using (var trainer = new InductionPretrainer(model, TinyTraining.Tokenizer, RepositoryPaths.TokenizerModel, Options(4) with { Steps = 2 }, recall, outDir, TextWriter.Null))
                firstHalf = trainer.Run();

            var resumeDir = Path.Combine(outDir, Trainer.ResumeDirectoryName);
            IReadOnlyList<double> secondHalf;
            using (var engine = OspreyEngine.Load(resumeDir, EngineOptions.Cpu32))
            using (var trainer = new InductionPretrainer(engine.Model, engine.Tokenizer, RepositoryPaths.TokenizerModel, Options(4), recall, outDir, TextWriter.Null))
            {
                trainer.RestoreOptimizerAndStep(resumeDir);
                Assert.Equal(2, trainer.Step);
                secondHalf = trainer.Run();
            }

            LossCurves.AssertResumedRepeats(uninterrupted, firstHalf, secondHalf);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static readonly IEqualityComparer<LookupSequence> LookupSequenceComparer = EqualityComparer<LookupSequence>.Create(
        (a, b) => a!.Ids.SequenceEqual(b!.Ids) && a.ScoredPositions.SequenceEqual(b.ScoredPositions));

    [Fact]
    public void Lowers_the_repeat_loss_and_leaves_vision_projector_and_extractor_untouched()
    {
        var outDir = Directory.CreateTempSubdirectory("osprey-induction").FullName;
        try
        {
            using var model = FreshModel.Create(TinyTraining.Config, TinyTraining.Tokenizer, seed: 5, layerScale: 1.0);
            var frozenBefore = VisionPretrainerTests.Snapshot(model, "vision_trunk.", "mm_projector.", "mask_extractor.");
            IReadOnlyList<double> losses;
            using (var trainer = new InductionPretrainer(model, TinyTraining.Tokenizer, RepositoryPaths.TokenizerModel, Options(40),
                       new RepeatedTokenSequences(Pool, TinyTraining.Tokenizer.BosId, 4, 12), outDir, TextWriter.Null))
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
