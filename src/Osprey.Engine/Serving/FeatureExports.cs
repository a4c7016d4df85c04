using TorchSharp;

namespace Osprey.Engine.Serving;

/// <summary>
/// Copies of resident features for another silo (a replica). Serialising them copies tens of megabytes
/// (the published model's feature levels), which would hold every running conversation's next token if
/// it ran on the engine thread: it runs on the thread pool, with the image pinned so that no eviction
/// frees the tensors while they are read. The unpin comes back to the engine thread as a command.
/// </summary>
internal sealed class FeatureExports(Func<EngineCommand, bool> post)
{
    private readonly List<Task> _inFlight = [];

    /// <summary>Engine thread: pins <paramref name="image"/> and starts writing its features for <paramref name="done"/>.</summary>
    public void Start(ResidentImage image, TaskCompletionSource<byte[]> done)
    {
        image.Pins++;
        _inFlight.RemoveAll(t => t.IsCompleted);
        _inFlight.Add(Task.Run(() =>
        {
            try
            {
                using var inference = torch.inference_mode();
                done.TrySetResult(Multimodal.ImageFeatureBytes.Write(image.Features));
            }
            catch (Exception e)
            {
                done.TrySetException(e);
            }
            finally
            {
                // Refused once the loop has stopped: it waits for this copy before freeing the tensors.
                post(new FeaturesExported(image));
            }
        }));
    }

    /// <summary>Engine thread: the copy is written; the image may be evicted again.</summary>
    public static void Finish(FeaturesExported exported) => exported.Image.Pins--;

    /// <summary>The loop is stopping: every copy in flight finishes before the resident tensors are disposed.</summary>
    public void WaitForAll() => Task.WaitAll([.. _inFlight]);
}
