using Osprey.Engine.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Osprey.Engine.Segmentation;

/// <summary>
/// SAM's mask decoder: an IoU token and one token per mask output join the prompt tokens; the two-way
/// transformer attends them with the image embedding (plus the dense prompt); each mask token's
/// hypernetwork MLP gives the weights of its mask over the upsampled image, and the IoU head predicts
/// every mask's quality. Mask 0 is the single-mask answer, 1… the multimask ones.
/// </summary>
public sealed class SamMaskDecoder : nn.Module
{
    public TwoWayTransformer transformer;
    public LearnedEmbeddings iou_token;
    public LearnedEmbeddings mask_tokens;
    public OutputUpscaling output_upscaling;
    public ModuleList<SamMlpHead> output_hypernetworks_mlps;
    public SamMlpHead iou_prediction_head;

    public int MaskTokens { get; }

    public SamMaskDecoder(SamConfig config, ParameterAllocation alloc, string name = "SamMaskDecoder") : base(name)
    {
        var dim = config.PromptEmbedDim;
        MaskTokens = config.NumMultimaskOutputs + 1;
        transformer = new TwoWayTransformer(config, alloc);
        iou_token = new LearnedEmbeddings(1, dim, alloc);
        mask_tokens = new LearnedEmbeddings(MaskTokens, dim, alloc);
        output_upscaling = new OutputUpscaling(dim, config.LayerNormEps, alloc);
        output_hypernetworks_mlps = new ModuleList<SamMlpHead>();
        for (var i = 0; i < MaskTokens; i++) output_hypernetworks_mlps.Add(new SamMlpHead(dim, dim, dim / 8, 3, alloc));
        iou_prediction_head = new SamMlpHead(dim, config.IouHeadHiddenDim, MaskTokens, config.IouHeadDepth, alloc);
        RegisterComponents();
    }

    /// <summary>
    /// The image embedding [1, dim, h, w] and its positions [1, dim, h, w], prompts' sparse tokens
    /// [B, n, dim] and dense embedding [B, dim, h, w], to mask logits [B, M, 4h, 4w] and predicted IoUs
    /// [B, M]; M is the multimask outputs or the single mask.
    /// </summary>
    public (Tensor Masks, Tensor Iou) forward(Tensor imageEmbedding, Tensor imagePositions, Tensor sparse, Tensor dense, bool multimask)
    {
        using var scope = NewDisposeScope();
        var (masks, iou) = EveryOutput(imageEmbedding, imagePositions, sparse, dense);
        var chosen = multimask ? 1..MaskTokens : 0..1;
        return (scope.MoveToOuter(masks[.., chosen].contiguous()), scope.MoveToOuter(iou[.., chosen].contiguous()));
    }

    /// <summary>
    /// Every mask token's output at once, [B, MaskTokens, 4h, 4w] and [B, MaskTokens]: training fits the
    /// single mask and the multimask ones from one pass.
    /// </summary>
    public (Tensor Masks, Tensor Iou) EveryOutput(Tensor imageEmbedding, Tensor imagePositions, Tensor sparse, Tensor dense)
    {
        using var scope = NewDisposeScope();
        var batch = sparse.shape[0];
        var outputTokens = cat([iou_token.weight, mask_tokens.weight], 0).unsqueeze(0).expand(batch, -1, -1);
        var tokens = cat([outputTokens, sparse], 1);
        var image = imageEmbedding.expand(batch, -1, -1, -1).add(dense, PinnedScalars.One);
        var positions = imagePositions.expand(batch, -1, -1, -1);
        var (b, c, h, w) = (image.shape[0], image.shape[1], image.shape[2], image.shape[3]);

        var (attendedTokens, attendedImage) = transformer.forward(image, positions, tokens);
        var iouOut = attendedTokens[.., 0, ..];
        var maskOut = attendedTokens[.., 1..(1 + MaskTokens), ..];

        var upscaled = output_upscaling.forward(attendedImage.transpose(1, 2).reshape(b, c, h, w));
        var hyper = stack(Enumerable.Range(0, MaskTokens).Select(i => output_hypernetworks_mlps[i].forward(maskOut[.., i, ..])), 1);
        var (uc, uh, uw) = (upscaled.shape[1], upscaled.shape[2], upscaled.shape[3]);
        var masks = hyper.matmul(upscaled.view(b, uc, uh * uw)).view(b, -1, uh, uw);
        var iou = iou_prediction_head.forward(iouOut);
        return (scope.MoveToOuter(masks), scope.MoveToOuter(iou));
    }
}
