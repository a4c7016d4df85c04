using System.Collections.Concurrent;
using Osprey.Engine.Language;
using TorchSharp;

namespace Osprey.Engine.Serving;

/// <summary>
/// Computes images' resident state (decode, preprocess, vision encode, prefill of the shared prefix) on
/// its own thread, one image at a time, so the engine thread keeps stepping running sequences meanwhile.
/// Each result goes back to the engine loop through <paramref name="post"/>; one the loop can no longer
/// take (it has stopped) is disposed here.
/// </summary>
internal sealed class ImageEncoder : IDisposable
{
    private readonly OspreyEngine _engine;
    private readonly ImagePromptPrefix _prefix;
    private readonly int? _threads;
    private readonly Func<ImageEncoded, bool> _post;
    private readonly BlockingCollection<(ImageSource Source, byte[]? Features)> _jobs = new();
    private readonly Thread _thread;

    public ImageEncoder(OspreyEngine engine, ImagePromptPrefix prefix, int? threads, Func<ImageEncoded, bool> post)
    {
        _engine = engine;
        _prefix = prefix;
        _threads = threads;
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
        if (_threads is { } threads) torch.set_num_threads(threads);
        using var inference = torch.inference_mode();
        foreach (var (source, features) in _jobs.GetConsumingEnumerable())
        {
            ImageEncoded result;
            try
            {
                var copied = Copied(features);
                result = new ImageEncoded(source, Encode(source, copied), null, Copied: copied is not null);
            }
            catch (Exception e)
            {
                result = new ImageEncoded(source, null, e);
            }
            if (!_post(result)) result.Image?.Dispose();
        }
    }

    /// <summary>The image's resident state from its pixels, or from <paramref name="copied"/> features (no encode).</summary>
    private ResidentImage Encode(ImageSource source, Multimodal.ImageFeatures? copied)
    {
        var features = copied ?? EncodePixels(source);
        KvCache? cache = null;
        try
        {
            cache = _engine.Model.llm.NewCache();
            using (var scope = torch.NewDisposeScope())
            {
                var embeddings = _engine.Model.EmbedPrompt(_prefix.Ids.ToArray(), features, null);
                _engine.Model.llm.Forward([new SequenceChunk(embeddings, cache)]);
            }
            return new ResidentImage(source.Id, features, cache);
        }
        catch
        {
            cache?.Dispose();
            features.Dispose();
            throw;
        }
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

    private Multimodal.ImageFeatures EncodePixels(ImageSource source)
    {
        var rgb = source.Decode();
        using var pixels = _engine.Preprocess(rgb);
        return _engine.Model.EncodeImage(pixels);
    }

    /// <summary>Finishes the image in progress, drops any still queued, and joins the thread.</summary>
    public void Dispose()
    {
        _jobs.CompleteAdding();
        while (_jobs.TryTake(out _)) { }
        _thread.Join();
        _jobs.Dispose();
    }
}
