using Osprey.Engine.Language;
using Osprey.Engine.Multimodal;
using Osprey.Training.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Training.Tests.Training;

/// <summary>A training example's logits at every position of its prompt, computed by the model's own calls.</summary>
internal static class PromptLogits
{
    public static Tensor Of(OspreyModel model, TrainingExample example, int[] ids)
    {
        using var scope = torch.NewDisposeScope();
        using var inference = torch.inference_mode();
        var pixels = new Osprey.Engine.Imaging.ClipPreprocessor(model.Config.ImageSize).Preprocess(example.Image);
        using var features = model.EncodeImage(pixels);
        var regions = model.EncodeRegions(features, torch.stack(example.Regions.Select(r => r.ToTensor()).ToList()));
        var embeddings = model.EmbedPrompt(ids, features, regions);
        using var cache = model.llm.NewCache();
        return scope.MoveToOuter(model.llm.Forward([new SequenceChunk(embeddings, cache)], allPositions: true));
    }
}
