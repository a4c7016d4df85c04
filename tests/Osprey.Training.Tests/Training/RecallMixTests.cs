using Osprey.Engine;
using Osprey.Engine.Devices;
using Osprey.Training.Pretraining;
using Osprey.Training.Training;
using TorchSharp;

namespace Osprey.Training.Tests.Training;

/// <summary>Region recall mixed into a stage-3 run: what each step minimises, and what a resume must repeat.</summary>
public class RecallMixTests
{
    private static RecallMix Mix(double weight = 0.5) =>
        new(new RegionRecallSequences(TinyTraining.Tokenizer, InductionPretrainer.Pool(TinyTraining.Tokenizer), maxRegions: 3, questions: 2), PerStep: 2, weight);

    [Fact]
    public void A_step_minimises_the_answer_loss_plus_the_weighted_recall_loss()
    {
        var source = new ListTrainingSource(TinyTraining.Examples(8, 4));
        var options = TinyTraining.Options(steps: 1, batchSize: 2);
        var mix = Mix(weight: 0.5);

        // The two losses of step 0, each on its own, from the weights the run starts with.
        double answer, recall;
        using (var model = FreshModel.Create(TinyTraining.Config, TinyTraining.Tokenizer, seed: 5))
        using (torch.no_grad())
        {
            using var answerLoss = new AnswerLoss(model, TinyTraining.Tokenizer).Compute([source.Get(0), source.Get(1)]);
            answer = answerLoss.Loss.item<float>();
            using var recallLoss = new LookupLoss(model).Compute(mix.ForStep(options.Seed, 0), out var targets, out _);
            recall = recallLoss.item<float>();
            Assert.True(targets > 0);
        }

        double Step(RecallMix? with)
        {
            using var model = FreshModel.Create(TinyTraining.Config, TinyTraining.Tokenizer, seed: 5);
            var outDir = Directory.CreateTempSubdirectory("osprey-recall-mix").FullName;
            try
            {
                using var trainer = new Trainer(model, TinyTraining.Tokenizer, RepositoryPaths.TokenizerModel, source, options, outDir, TextWriter.Null, with);
                return trainer.Run().Single();
            }
            finally
            {
                Directory.Delete(outDir, recursive: true);
            }
        }

        Assert.Equal(answer + 0.5 * recall, Step(mix), 4);
        Assert.Equal(answer, Step(null), 4);
        Assert.True(recall > 0.1, $"recall loss {recall}: too small to tell the runs apart");
    }

    [Fact]
    public void Needs_one_worker_and_a_resume_that_mixes_the_same()
    {
        var source = new ListTrainingSource(TinyTraining.Examples(8, 4));
        var options = TinyTraining.Options(steps: 1, batchSize: 2);
        var outDir = Directory.CreateTempSubdirectory("osprey-recall-resume").FullName;
        try
        {
            using (var model = FreshModel.Create(TinyTraining.Config, TinyTraining.Tokenizer, seed: 5))
            {
                Assert.Throws<ArgumentException>(() => new Trainer(model, TinyTraining.Tokenizer, RepositoryPaths.TokenizerModel, source,
                    options with { Workers = 2 }, outDir, TextWriter.Null, Mix()));
                Assert.Throws<ArgumentOutOfRangeException>(() => new Trainer(model, TinyTraining.Tokenizer, RepositoryPaths.TokenizerModel, source,
                    options, outDir, TextWriter.Null, Mix(weight: 0)));
                using var trainer = new Trainer(model, TinyTraining.Tokenizer, RepositoryPaths.TokenizerModel, source, options, outDir, TextWriter.Null, Mix());
                trainer.Run();
            }
            var resumeDir = Path.Combine(outDir, Trainer.ResumeDirectoryName);
            Assert.Contains("region recall", TrainerState.Load(resumeDir).Data);

            using var engine = OspreyEngine.Load(resumeDir, EngineOptions.Cpu32);
            string Refusal(RecallMix? mix)
            {
                using var trainer = new Trainer(engine.Model, engine.Tokenizer, RepositoryPaths.TokenizerModel, source, options, outDir, TextWriter.Null, mix);
                return Assert.Throws<InvalidOperationException>(() => trainer.RestoreOptimizerAndStep(resumeDir)).Message;
            }
            Assert.Contains("same data options", Refusal(null));
            Assert.Contains("same data options", Refusal(Mix(weight: 2)));
            using var resumed = new Trainer(engine.Model, engine.Tokenizer, RepositoryPaths.TokenizerModel, source, options, outDir, TextWriter.Null, Mix());
            resumed.RestoreOptimizerAndStep(resumeDir);
            Assert.Equal(1, resumed.Step);
        }
        finally
        {
            Directory.Delete(outDir, recursive: true);
        }
    }
}
