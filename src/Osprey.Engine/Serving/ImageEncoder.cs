using System.Collections.Concurrent;
using System.Diagnostics;
using Osprey.Engine.Devices;
using TorchSharp;

namespace Osprey.Engine.Serving;

/// <summary>
/// Computes images' resident state (decode, preprocess, vision encode, prefill of the shared prefix) on
/// its own thread, one image at a time, as a <see cref="SlicedImageEncode"/>: between slices it asks
/// <see cref="EncodeSlicing"/> whether it may go on, so while sequences run it advances only in the turns
/// the engine loop lends it between decode steps, and with nothing running it runs free. Each result goes
/// back to the engine loop through <paramref name="post"/>; one the loop can no longer take (it has
/// stopped) is disposed here, and an encode the loop stops in the middle of is abandoned at its next slice.
/// </summary>
internal sealed class ImageEncoder : IDisposable
{
    private readonly OspreyEngine _engine;
    private readonly ImagePromptPrefix _prefix;
    private readonly int? _threads;
    private readonly EncodeSlicing _slicing;
    private readonly Func<ImageEncoded, bool> _post;
    private readonly LatencyInstruments? _latency;
    private readonly BlockingCollection<(ImageSource Source, byte[]? Features)> _jobs = new();
    private readonly EncodeSliceHistory _history = new();
    private readonly Thread _thread;

    public ImageEncoder(OspreyEngine engine, ImagePromptPrefix prefix, int? threads, EncodeSlicing slicing, Func<ImageEncoded, bool> post,
        LatencyInstruments? latency)
    {
        _latency = latency;
        _engine = engine;
        _prefix = prefix;
        _threads = threads;
        _slicing = slicing;
        _post = post;
        _thread = new Thread(Run) { Name = "osprey-image-encoder", IsBackground = true };
    }

    public void Start() => _thread.Start();

    /// <summary>Queues the image: its <paramref name="features"/> copied from another silo when given, else an encode.</summary>
    public void Enqueue(ImageSource source, byte[]? features = null)
    {
        try
        {
            _jobs.Add((source, features));
        }
        catch (InvalidOperationException)
        {
            // Stopping: the loop fails whoever waits on it.
        }
    }

    private void Run()
    {
        // libtorch's OpenMP pool size is per calling thread: this caps the encode's share of the cores
        // without touching the engine thread's.
        if (_threads is { } threads) OpenMpThreads.SetForThisThread(threads);
        using var inference = torch.inference_mode();
        foreach (var (source, features) in _jobs.GetConsumingEnumerable())
        {
            ImageEncoded? result;
            try
            {
                result = Encode(source, Copied(features));
            }
            catch (Exception e)
            {
                result = new ImageEncoded(source, null, e);
            }
            finally
            {
                _slicing.EncodeEnded();
            }
            // Null: the loop stopped mid-encode; nothing would take the result.
            if (result is not null && !_post(result)) result.Image?.Dispose();
        }
    }

    /// <summary>The image's resident state from its pixels, or from <paramref name="copied"/> features (no vision encode).</summary>
    private ImageEncoded? Encode(ImageSource source, Multimodal.ImageFeatures? copied)
    {
        using var encode = new SlicedImageEncode(_engine, _prefix.Ids, source, copiedFeatures: copied);
        var times = _history.Begin(copied is not null);
        while (!encode.IsDone)
        {
            if (!_slicing.BeforeSlice(times.Expected)) return null;
            var part = encode.NextPart;
            var started = Stopwatch.GetTimestamp();
            encode.RunSlice();
            var took = Stopwatch.GetElapsedTime(started);
            times.Ran(took);
            _slicing.AfterSlice(took);
            _latency?.EncodeSliceRan(part, took);
        }
        times.Complete();
        var (features, cache) = encode.TakeResult();
        return new ImageEncoded(source, new ResidentImage(source.Id, features, cache), null, Copied: copied is not null);
    }

    /// <summary>Features another silo copied; null (so an encode) when there are none or they are not this format.</summary>
    private Multimodal.ImageFeatures? Copied(byte[]? features)
    {
        if (features is null) return null;
        try
        {
            return Multimodal.ImageFeatureBytes.Read(features, _engine.Model.Device);
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    /// <summary>Drops the images still queued and joins the thread (<see cref="EncodeSlicing.Stop"/> first, or the encode in progress runs to its end).</summary>
    public void Dispose()
    {
        _jobs.CompleteAdding();
        while (_jobs.TryTake(out _)) { }
        _thread.Join();
        _jobs.Dispose();
    }
}
