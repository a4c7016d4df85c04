using System.Collections.Concurrent;
using Osprey.Engine.Devices;
using Osprey.Engine.Segmentation;
using TorchSharp;

namespace Osprey.Engine.Serving;

/// <summary>
/// Segment Anything compute on its own thread, as the image encoder has its own: callers on any thread
/// submit work against the predictor and await it; no SAM compute runs on the caller's thread (an
/// Orleans scheduler thread, a request thread) or on the engine's generation loop. Jobs run one at a
/// time, in order, under inference mode. The worker owns the model.
/// </summary>
public sealed class SegmentationWorker : IDisposable
{
    private readonly BlockingCollection<Action> _jobs = new();
    private readonly Thread _thread;
    private readonly SamPredictor _predictor;
    private readonly int? _threads;
    private int _disposed;

    private SegmentationWorker(SamModel model, int? threads)
    {
        _predictor = new SamPredictor(model);
        _threads = threads;
        _thread = new Thread(Run) { Name = "osprey-segmentation", IsBackground = true };
    }

    /// <param name="threads">libtorch intra-op threads for this thread's compute (null: libtorch's current setting).</param>
    public static SegmentationWorker Start(SamModel model, int? threads = null)
    {
        var worker = new SegmentationWorker(model, threads);
        worker._thread.Start();
        return worker;
    }

    public SamConfig Config => _predictor.Model.Config;

    /// <summary>Runs <paramref name="work"/> on the worker's thread; its exception, if any, faults the task.</summary>
    /// <exception cref="ObjectDisposedException">The worker has stopped.</exception>
    public Task<T> Run<T>(Func<SamPredictor, T> work, CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Job()
        {
            if (cancellationToken.IsCancellationRequested)
            {
                done.TrySetCanceled(cancellationToken);
                return;
            }
            try
            {
                done.TrySetResult(work(_predictor));
            }
            catch (Exception e)
            {
                done.TrySetException(e);
            }
        }
        try
        {
            _jobs.Add(Job, CancellationToken.None);
        }
        catch (InvalidOperationException)
        {
            throw new ObjectDisposedException(nameof(SegmentationWorker), "The segmentation worker has stopped.");
        }
        return done.Task;
    }

    private void Run()
    {
        if (_threads is { } threads) OpenMpThreads.SetForThisThread(threads);
        using var inference = torch.inference_mode();
        foreach (var job in _jobs.GetConsumingEnumerable()) job();
    }

    /// <summary>Finishes the queued work, joins the thread and frees the model.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _jobs.CompleteAdding();
        _thread.Join();
        _jobs.Dispose();
        _predictor.Model.Dispose();
    }
}
