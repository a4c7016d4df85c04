using Osprey.Engine.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Segmentation;

/// <summary>
/// Segment Anything: <c>image_encoder</c>, <c>prompt_encoder</c> and <c>mask_decoder</c>, named as in
/// the published state dicts so they load unchanged.
/// </summary>
public sealed class SamModel : nn.Module
{
    public SamImageEncoder image_encoder;
    public SamPromptEncoder prompt_encoder;
    public SamMaskDecoder mask_decoder;

    public SamConfig Config { get; }

    public SamModel(SamConfig config, ParameterAllocation alloc, string name = "SamModel") : base(name)
    {
        Config = config;
        image_encoder = new SamImageEncoder(config, alloc);
        prompt_encoder = new SamPromptEncoder(config, alloc);
        mask_decoder = new SamMaskDecoder(config, alloc);
        RegisterComponents();
    }

    public Device Device => prompt_encoder.pe_layer.positional_encoding_gaussian_matrix.device;
}
