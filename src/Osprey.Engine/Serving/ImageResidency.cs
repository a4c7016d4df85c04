using Osprey.Engine.Imaging;
using Osprey.Engine.Language;
using TorchSharp;

namespace Osprey.Engine.Serving;

/// <summary>
/// Finds an image's resident features or computes them (decode, preprocess, encode, prefill of the
/// shared prefix). Engine thread only.
/// </summary>
internal sealed class ImageResidency(OspreyEngine engine, ImagePromptPrefix prefix, ResidentSet resident, ServingCounters counters)
{
    public (ResidentImage Image, bool WasResident, int PrefilledPositions) Resolve(ImageSource source)
    {
        if (resident.TryGetImage(source.Id) is { } hit)
        {
            counters.FeatureHit();
            return (hit, true, 0);
        }
        counters.FeatureMiss();
        var image = Encode(source);
        resident.Add(image);
        return (image, false, prefix.Positions);
    }

    private ResidentImage Encode(ImageSource source)
    {
        var rgb = source.Decode();
        using var pixels = engine.Preprocess(rgb);
        var features = engine.Model.EncodeImage(pixels);
        counters.ImageEncoded();
        KvCache? cache = null;
        try
        {
            cache = engine.Model.llm.NewCache();
            using (var scope = torch.NewDisposeScope())
            {
                var embeddings = engine.Model.EmbedPrompt(prefix.Ids.ToArray(), features, null);
                engine.Model.llm.Forward([new SequenceChunk(embeddings, cache)]);
            }
            counters.Prefilled(prefix.Positions);
            return new ResidentImage(source.Id, features, cache);
        }
        catch
        {
            cache?.Dispose();
            features.Dispose();
            throw;
        }
    }
}
