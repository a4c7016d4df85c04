using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Osprey.Training.Parallel;

/// <summary>
/// One worker's copy of what a training step updates: its trainable parameters and all its weights
/// (parameters and buffers), both in the same order in every replica, and the loss it computes on a
/// shard of the batch. The loss must be a sum over the shard (not a mean) so shards add up.
/// </summary>
public sealed record TrainingReplica<TExample, TShard>(
    IReadOnlyList<Parameter> Trainable,
    IReadOnlyList<Tensor> Weights,
    Func<IReadOnlyList<TExample>, TShard> SummedLoss)
{
    /// <summary>Every parameter and buffer of the modules, in module order then registration order.</summary>
    public static IReadOnlyList<Tensor> WeightsOf(params nn.Module[] modules) =>
        modules.SelectMany(m => m.parameters().Cast<Tensor>().Concat(m.buffers())).ToList();
}
