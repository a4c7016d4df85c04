using Osprey.Engine.Config;
using Osprey.Engine.Layers;
using Osprey.Engine.Multimodal;
using Osprey.Engine.Tokenization;
using TorchSharp;

namespace Osprey.Training.Training;

/// <summary>A new fp32 CPU <see cref="OspreyModel"/> of a config, initialised by <see cref="ParameterInitializer"/> from a seed.</summary>
public static class FreshModel
{
    public static OspreyModel Create(OspreyConfig config, OspreyTokenizer tokenizer, long seed, double layerScale = ParameterInitializer.DefaultLayerScale)
    {
        if (config.Language.VocabSize < tokenizer.VocabSize)
            throw new ArgumentException($"config vocab_size {config.Language.VocabSize} is smaller than the tokenizer's {tokenizer.VocabSize} ids");
        var model = new OspreyModel(config, ParameterAllocation.CpuFloat32, tokenizer.MaskId, tokenizer.PosId);
        try
        {
            ParameterInitializer.Initialize(model, seed, layerScale);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
