using Osprey.Engine.Config;
using Osprey.Engine.Language;
using Osprey.Engine.Layers;
using Osprey.Engine.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Multimodal;

/// <summary>
/// The whole Osprey network: ConvNeXt trunk → projector for image tokens, mask extractor for
/// region tokens, LLaMA decoder over the spliced sequence (spec §1). Submodule names
/// (<c>llm</c>, <c>vision_trunk</c>, <c>mm_projector</c>, <c>mask_extractor</c>) are what the
/// checkpoint name map translates the published names to.
/// </summary>
public sealed class OspreyModel : nn.Module
{
    public LlamaForCausalLM llm;
    public ConvNeXtTrunk vision_trunk;
    public MlpProjector mm_projector;
    public MaskExtractor mask_extractor;

    private readonly EmbeddingSplice _splice;

    public OspreyConfig Config { get; }

    public OspreyModel(OspreyConfig config, ParameterAllocation alloc, int maskId = 32000, int posId = 32001) : base(nameof(OspreyModel))
    {
        Config = config;
        llm = new LlamaForCausalLM(config.Language, alloc);
        vision_trunk = new ConvNeXtTrunk(config.Vision, alloc);
        mm_projector = new MlpProjector(config.MmHiddenSize, config.Language.HiddenSize, alloc);
        mask_extractor = new MaskExtractor(config.Vision, config.MaskExtractor, config.Language.HiddenSize, alloc);
        _splice = new EmbeddingSplice(Tokenization.OspreyTokenizer.ImageTokenId, maskId, posId);
        RegisterComponents();
    }

    public Device Device => llm.Device;
    public ScalarType DType => llm.DType;
    public EmbeddingSplice Splice => _splice;

    /// <summary>Trunk levels and projected image tokens for pixels [1, 3, S, S]: every slice of <see cref="BeginEncodeImage"/> in a row.</summary>
    public ImageFeatures EncodeImage(Tensor pixelValues)
    {
        using var pass = BeginEncodeImage(pixelValues);
        while (!pass.IsDone) pass.RunSlice();
        return pass.TakeFeatures();
    }

    /// <summary>The same encode for a caller that runs its slices itself, pausing between them.</summary>
    public ImageEncodePass BeginEncodeImage(Tensor pixelValues) => new(this, pixelValues);

    /// <summary>Mask and position tokens for masks [R, H0, W0] (0/1 at the image's original resolution) → [R, 2, H].</summary>
    public Tensor EncodeRegions(ImageFeatures image, Tensor masks)
    {
        using var scope = torch.NewDisposeScope();
        // Masks stay float32: the extractor resamples them before casting to the model's dtype.
        var (maskTokens, posTokens) = mask_extractor.forward(image.Levels, masks.to(Device));
        return scope.MoveToOuter(torch.stack([maskTokens, posTokens], 1));
    }

    /// <summary>The decoder input for a tokenised prompt: [positions, H].</summary>
    public Tensor EmbedPrompt(ReadOnlySpan<int> ids, ImageFeatures? image, Tensor? regionTokens) =>
        _splice.Build(ids, llm.EmbedTokens, image?.ImageTokens, regionTokens, Device);
}
