using Osprey.Engine.Layers;
using Osprey.Engine.Multimodal;
using Osprey.Engine.Tokenization;

namespace Osprey.Training.Parallel;

/// <summary>
/// A second <see cref="OspreyModel"/> of the same config, device and dtype, in training mode, for a
/// data-parallel worker. Its weights are uninitialised until <see cref="DataParallelGradient{TExample,TShard}.BroadcastAll"/>
/// copies them from the original.
/// </summary>
public static class ModelReplica
{
    public static OspreyModel Create(OspreyModel source, OspreyTokenizer tokenizer)
    {
        var replica = new OspreyModel(source.Config, new ParameterAllocation(source.Device, source.DType), tokenizer.MaskId, tokenizer.PosId);
        replica.train();
        return replica;
    }
}
