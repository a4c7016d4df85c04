using Osprey.Engine.Config;
using Osprey.Engine.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Osprey.Engine.Vision;

/// <summary>
/// The ConvNeXt CLIP trunk in timm's layout (<c>stem.0</c> 4×4 stride-4 conv, <c>stem.1</c> channel
/// LayerNorm, <c>stages.{0..3}</c>), returning the four stage outputs res2..res5 (spec §3).
/// </summary>
public sealed class ConvNeXtTrunk : nn.Module<Tensor, VisionFeatures>
{
    /// <summary>Total stride of the trunk: input sides must be multiples of it.</summary>
    public const int Stride = 32;

    public Sequential stem;
    public ModuleList<ConvNeXtStage> stages;

    public VisionConfig Config { get; }

    public ConvNeXtTrunk(VisionConfig config, ParameterAllocation alloc, string name = "ConvNeXtTrunk") : base(name)
    {
        if (config.Dims.Length != 4 || config.Depths.Length != 4)
            throw new ArgumentException("a ConvNeXt trunk has four stages (dims and depths of length 4)");
        Config = config;
        var dims = config.Dims;
        stem = nn.Sequential(
            ("0", new Conv2d(3, dims[0], kernelSize: 4, stride: 4, padding: 0, groups: 1, hasBias: true, alloc)),
            ("1", new ChannelLayerNorm(dims[0], config.LayerNormEps, alloc)));
        stages = new ModuleList<ConvNeXtStage>(Enumerable.Range(0, 4)
            .Select(s => new ConvNeXtStage(s == 0 ? dims[0] : dims[s - 1], dims[s], config.Depths[s], downsamples: s > 0,
                config.LayerNormEps, alloc))
            .ToArray());
        RegisterComponents();
    }

    /// <summary>
    /// Encodes normalised pixels [1, 3, H, W] (H, W multiples of 32; cast to the trunk's dtype and
    /// device) into res2..res5, returned as contiguous NCHW tensors: every slice of a
    /// <see cref="ConvNeXtTrunkPass"/> in a row.
    /// </summary>
    public override VisionFeatures forward(Tensor pixels)
    {
        using var pass = new ConvNeXtTrunkPass(this, pixels);
        while (!pass.IsDone) pass.RunSlice();
        return pass.TakeFeatures();
    }

    /// <summary>The one check of a trunk's input (a whole forward and a sliced pass alike).</summary>
    internal static void CheckPixels(Tensor pixels)
    {
        if (pixels.dim() != 4 || pixels.shape[0] != 1 || pixels.shape[1] != 3)
            throw new ArgumentException($"pixels must be [1, 3, H, W], got [{string.Join(", ", pixels.shape)}]", nameof(pixels));
        if (pixels.shape[2] % Stride != 0 || pixels.shape[3] % Stride != 0 || pixels.shape[2] == 0 || pixels.shape[3] == 0)
            throw new ArgumentException($"pixel height and width must be positive multiples of {Stride}, got {pixels.shape[2]}×{pixels.shape[3]}", nameof(pixels));
        if (pixels.device_type == DeviceType.META)
            throw new InvalidOperationException("cannot run a forward pass on meta tensors");
    }
}
