using System.Runtime.ExceptionServices;
using Osprey.Engine.Layers;
using Osprey.Training.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Osprey.Training.Parallel;

/// <summary>
/// The gradient of one batch from several model replicas at once, each on its own thread with a
/// contiguous shard of the examples. A small model's step is many small ops that intra-op threads
/// split badly (on shared cores their OpenMP workers spin), so training runs one libtorch thread per
/// model; replicas are how such training uses more than one core. Replica 0 is the model the
/// optimizer updates and computes its shard on the calling thread. The others' gradients are added to replica 0's in a fixed order and the sum is divided by
/// the whole batch's count, so the result is the batch mean up to float rounding and a run repeats
/// exactly. <see cref="Step"/> also updates replica 0 and copies its new weights out.
/// </summary>
public sealed class DataParallelGradient<TExample, TShard> : IDisposable where TShard : IDisposable
{
    private readonly IReadOnlyList<TrainingReplica<TExample, TShard>> _replicas;
    private readonly Func<TShard, Tensor> _lossOf;
    private readonly Func<TShard, int> _countOf;
    private readonly List<ComputeThread> _threads = [];

    /// <param name="replicas">Replica 0 first: the optimizer's model.</param>
    /// <param name="lossOf">The shard's summed loss, to run backward from.</param>
    /// <param name="countOf">What the shard's loss is summed over (answer tokens, regions).</param>
    public DataParallelGradient(IReadOnlyList<TrainingReplica<TExample, TShard>> replicas, Func<TShard, Tensor> lossOf, Func<TShard, int> countOf)
    {
        if (replicas.Count < 2) throw new ArgumentException("data parallelism needs at least two replicas", nameof(replicas));
        foreach (var replica in replicas.Skip(1))
        {
            if (replica.Trainable.Count != replicas[0].Trainable.Count || replica.Weights.Count != replicas[0].Weights.Count)
                throw new ArgumentException("every replica must hold the same parameters as replica 0", nameof(replicas));
        }
        _replicas = replicas;
        _lossOf = lossOf;
        _countOf = countOf;
        for (int i = 1; i < replicas.Count; i++) _threads.Add(new ComputeThread($"osprey-replica-{i}"));
    }

    /// <summary>
    /// Computes every shard's loss and backward and leaves the batch-mean gradient in replica 0's
    /// parameters (which must hold zero gradients or none). Returns the shards' results, summed
    /// losses included, in shard order; the caller disposes them.
    /// </summary>
    public IReadOnlyList<TShard> Backward(IReadOnlyList<TExample> batch)
    {
        if (batch.Count < _replicas.Count)
            throw new ArgumentException($"a batch of {batch.Count} cannot feed {_replicas.Count} replicas", nameof(batch));
        var shards = Split(batch, _replicas.Count);
        var results = new TShard?[_replicas.Count];
        var pending = new Task[_threads.Count];
        for (int i = 1; i < _replicas.Count; i++)
        {
            var replica = i;
            pending[i - 1] = _threads[i - 1].Run(() => results[replica] = Compute(replica, shards[replica]));
        }
        Exception? masterFailure = null;
        try
        {
            results[0] = Compute(0, shards[0]);
        }
        catch (Exception e)
        {
            masterFailure = e;
        }
        // Every replica must be idle before anything else touches the gradients, failed or not.
        try
        {
            Task.WaitAll(pending);
        }
        catch (AggregateException)
        {
        }
        var failure = masterFailure ?? pending.FirstOrDefault(t => t.IsFaulted)?.Exception?.InnerException;
        if (failure is not null)
        {
            foreach (var result in results) result?.Dispose();
            ClearReplicaGradients();
            ExceptionDispatchInfo.Capture(failure).Throw();
        }
        MergeGradients(results.Sum(r => _countOf(r!)));
        return results!;
    }

    /// <summary>
    /// One training step on the batch: <see cref="Backward"/>, then clipping and the optimizer's step
    /// on replica 0, then the new weights copied to the others. Returns the shards (the caller
    /// disposes them), the batch's mean loss and the gradient norm before clipping.
    /// </summary>
    public (IReadOnlyList<TShard> Shards, double Loss, double GradNorm) Step(IReadOnlyList<TExample> batch, double clipNorm, OptimizerHelper optimizer)
    {
        var shards = Backward(batch);
        try
        {
            var gradNorm = GradientStep.ClipAndStep(_replicas[0].Trainable, clipNorm, optimizer);
            BroadcastTrainable();
            var loss = shards.Sum(s => (double)_lossOf(s).item<float>()) / shards.Sum(_countOf);
            return (shards, loss, gradNorm);
        }
        catch
        {
            foreach (var shard in shards) shard.Dispose();
            throw;
        }
    }

    /// <summary>Copies replica 0's trainable parameters to the other replicas (after each optimizer step).</summary>
    private void BroadcastTrainable() => Broadcast(r => r.Trainable);

    /// <summary>Copies all of replica 0's weights to the other replicas (before training, after loading).</summary>
    public void BroadcastAll() => Broadcast(r => r.Weights);

    private void Broadcast<T>(Func<TrainingReplica<TExample, TShard>, IReadOnlyList<T>> select) where T : Tensor
    {
        using var noGrad = torch.no_grad();
        var source = select(_replicas[0]);
        foreach (var replica in _replicas.Skip(1))
        {
            var target = select(replica);
            for (int i = 0; i < source.Count; i++) target[i].copy_(source[i]);
        }
    }

    private TShard Compute(int replica, IReadOnlyList<TExample> shard)
    {
        // Gradient mode is per thread in libtorch; a replica thread must not inherit a caller's no_grad.
        using var grad = torch.enable_grad();
        var result = _replicas[replica].SummedLoss(shard);
        try
        {
            _lossOf(result).backward();
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    private void MergeGradients(int count)
    {
        if (count <= 0) throw new InvalidOperationException("the batch produced nothing to learn from");
        using var noGrad = torch.no_grad();
        using Scalar scale = 1.0 / count;
        var master = _replicas[0].Trainable;
        for (int p = 0; p < master.Count; p++)
        {
            var total = master[p].grad;
            for (int r = 1; r < _replicas.Count; r++)
            {
                using var gradient = _replicas[r].Trainable[p].grad;
                if (gradient is null) continue;
                if (total is null)
                {
                    using (var copy = gradient.clone()) master[p].grad = copy;
                    total = master[p].grad;
                }
                else
                {
                    total.add_(gradient, PinnedScalars.One);
                }
                gradient.zero_();
            }
            total?.mul_(scale);
            total?.Dispose();
        }
    }

    /// <summary>After a failed step: what the replicas that did finish accumulated must not reach the next one.</summary>
    private void ClearReplicaGradients()
    {
        using var noGrad = torch.no_grad();
        foreach (var replica in _replicas.Skip(1))
        foreach (var parameter in replica.Trainable)
        {
            using var gradient = parameter.grad;
            gradient?.zero_();
        }
    }

    private static IReadOnlyList<TExample>[] Split(IReadOnlyList<TExample> batch, int parts)
    {
        var shards = new IReadOnlyList<TExample>[parts];
        int start = 0;
        for (int i = 0; i < parts; i++)
        {
            var length = batch.Count / parts + (i < batch.Count % parts ? 1 : 0);
            shards[i] = Enumerable.Range(start, length).Select(j => batch[j]).ToList();
            start += length;
        }
        return shards;
    }

    public void Dispose()
    {
        foreach (var thread in _threads) thread.Dispose();
    }
}
