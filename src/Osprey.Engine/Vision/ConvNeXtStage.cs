using Osprey.Engine.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Osprey.Engine.Vision;

/// <summary>
/// One ConvNeXt stage: for every stage but the first, <c>downsample.0</c> (channel LayerNorm) and
/// <c>downsample.1</c> (2×2 stride-2 conv) halve the resolution; then <c>blocks.{b}</c>.
/// </summary>
public sealed class ConvNeXtStage : nn.Module<Tensor, Tensor>
{
    public Sequential? downsample;
    public ModuleList<ConvNeXtBlock> blocks;

    public ConvNeXtStage(int inChannels, int outChannels, int depth, bool downsamples, double layerNormEps,
        ParameterAllocation alloc, string name = "ConvNeXtStage") : base(name)
    {
        if (downsamples)
            downsample = nn.Sequential(
                ("0", new ChannelLayerNorm(inChannels, layerNormEps, alloc)),
                ("1", new Conv2d(inChannels, outChannels, kernelSize: 2, stride: 2, padding: 0, groups: 1, hasBias: true, alloc)));
        else if (inChannels != outChannels)
            throw new ArgumentException($"a stage without downsampling keeps its width ({inChannels} ≠ {outChannels})");
        blocks = new ModuleList<ConvNeXtBlock>(
            Enumerable.Range(0, depth).Select(_ => new ConvNeXtBlock(outChannels, layerNormEps, alloc)).ToArray());
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = downsample is null ? x : downsample.forward(x);
        foreach (var block in blocks)
        {
            var next = block.forward(y);
            if (!ReferenceEquals(y, x)) y.Dispose();
            y = next;
        }
        return scope.MoveToOuter(ReferenceEquals(y, x) ? x.alias() : y);
    }
}
