using System.Collections.Concurrent;

namespace Osprey.Training.Parallel;

/// <summary>
/// A dedicated thread that runs one shard's forward and backward at a time. The same thread serves
/// every step, so libtorch's per-thread state (its intra-op thread count, its allocator caches) is set
/// up once rather than on a fresh pool thread each step.
/// </summary>
public sealed class ComputeThread : IDisposable
{
    private readonly BlockingCollection<(Action Work, TaskCompletionSource Done)> _queue = new();
    private readonly Thread _thread;

    public ComputeThread(string name)
    {
        _thread = new Thread(Serve) { Name = name, IsBackground = true };
        _thread.Start();
    }

    /// <summary>Queues <paramref name="work"/>; the task completes (or faults with its exception) when it has run.</summary>
    public Task Run(Action work)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _queue.Add((work, done));
        return done.Task;
    }

    private void Serve()
    {
        foreach (var (work, done) in _queue.GetConsumingEnumerable())
        {
            try
            {
                work();
                done.SetResult();
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        }
    }

    public void Dispose()
    {
        _queue.CompleteAdding();
        _thread.Join();
        _queue.Dispose();
    }
}
