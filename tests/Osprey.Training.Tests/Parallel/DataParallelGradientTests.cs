using Osprey.Engine.Multimodal;
using Osprey.Engine.Tokenization;
using Osprey.Training.Parallel;
using Osprey.Training.Tests.Training;
using Osprey.Training.Training;
using TorchSharp;
using TorchSharp.Modules;

namespace Osprey.Training.Tests.Parallel;

public class DataParallelGradientTests
{
    [Fact]
    public void TwoReplicasGiveTheSingleModelsBatchMeanGradient()
    {
        var batch = TinyTraining.Examples(31, 5);
        using var model = FreshModel.Create(TinyTraining.Config, TinyTraining.Tokenizer, seed: 5);
        model.train();
        var trainable = Trainer.SelectTrainable(model, TrainableModules.All);
        var loss = new AnswerLoss(model, TinyTraining.Tokenizer);

        float expectedLoss;
        using (var single = loss.Compute(batch))
        {
            single.Loss.backward();
            expectedLoss = single.Loss.item<float>();
        }
        var expected = Gradients(trainable);
        foreach (var p in trainable) p.grad!.zero_();

        using var replica = ModelReplica.Create(model, TinyTraining.Tokenizer);
        using var parallel = Parallel(model, trainable, loss, replica);
        parallel.BroadcastAll();
        var shards = parallel.Backward(batch);
        Assert.Equal(2, shards.Count);
        Assert.All(shards, s => Assert.True(s.TargetTokens > 0));
        var tokens = shards.Sum(s => s.TargetTokens);
        var parallelLoss = shards.Sum(s => (double)s.Loss.item<float>()) / tokens;
        foreach (var shard in shards) shard.Dispose();

        Assert.Equal(expectedLoss, parallelLoss, 1e-5);
        var actual = Gradients(trainable);
        foreach (var (index, want) in expected)
        {
            var scale = Math.Max(1e-6, want.Max(Math.Abs));
            var worst = want.Zip(actual[index], (a, b) => Math.Abs(a - b)).Max();
            Assert.True(worst <= 1e-4 * scale, $"parameter {index}: gradients differ by {worst:E2} (largest {scale:E2})");
        }
        // The replica's gradients were handed over and cleared for the next step.
        Assert.All(Trainer.SelectTrainable(replica, TrainableModules.All), p => Assert.Equal(0f, p.grad!.abs().max().item<float>()));
    }

    [Fact]
    public void AFailingShardSurfacesItsErrorAndTheReplicasKeepWorking()
    {
        var good = TinyTraining.Examples(32, 4);
        // An answer without its question: the tokenizer rejects it, in the replica's shard or in the caller's.
        var brokenInReplica = Break(good, 3);
        var brokenInCaller = Break(good, 0);
        using var model = FreshModel.Create(TinyTraining.Config, TinyTraining.Tokenizer, seed: 5);
        model.train();
        var trainable = Trainer.SelectTrainable(model, TrainableModules.All);
        using var replica = ModelReplica.Create(model, TinyTraining.Tokenizer);
        var replicaTrainable = Trainer.SelectTrainable(replica, TrainableModules.All);
        using var parallel = Parallel(model, trainable, new AnswerLoss(model, TinyTraining.Tokenizer), replica);
        parallel.BroadcastAll();

        Assert.Contains("human/gpt pairs", Assert.Throws<InvalidDataException>(() => parallel.Backward(brokenInReplica)).Message);
        Assert.Contains("human/gpt pairs", Assert.Throws<InvalidDataException>(() => parallel.Backward(brokenInCaller)).Message);
        // The replica finished its half of the failed step: none of it may leak into the next step.
        Assert.All(replicaTrainable, p => Assert.Equal(0f, p.grad!.abs().max().item<float>()));

        // The caller zeroes its own model's gradients before every step (the optimizer's zero_grad); the replicas' are the step's job.
        foreach (var p in trainable) p.grad?.zero_();
        var shards = parallel.Backward(good);
        Assert.Equal(2, shards.Count);
        Assert.All(shards, s => Assert.True(s.TargetTokens > 0));
        foreach (var shard in shards) shard.Dispose();
        Assert.All(replicaTrainable, p => Assert.Equal(0f, p.grad!.abs().max().item<float>()));
    }

    private static List<TrainingExample> Break(IReadOnlyList<TrainingExample> examples, int index)
    {
        var copy = examples.ToList();
        copy[index] = copy[index] with { Conversation = copy[index].Conversation.Take(1).ToList() };
        return copy;
    }

    private static DataParallelGradient<TrainingExample, BatchLoss> Parallel(OspreyModel model, List<Parameter> trainable, AnswerLoss loss, OspreyModel replica) =>
        new(
        [
            new(trainable, TrainingReplica<TrainingExample, BatchLoss>.WeightsOf(model), loss.ComputeSum),
            new(Trainer.SelectTrainable(replica, TrainableModules.All), TrainingReplica<TrainingExample, BatchLoss>.WeightsOf(replica),
                new AnswerLoss(replica, OspreyTokenizer.Load(RepositoryPaths.TokenizerModel)).ComputeSum),
        ], s => s.Loss, s => s.TargetTokens);

    private static Dictionary<int, float[]> Gradients(List<Parameter> trainable) =>
        trainable.Select((p, i) => (i, p.grad!.contiguous().data<float>().ToArray())).ToDictionary(x => x.i, x => x.Item2);
}
