using Osprey.Engine.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Osprey.Engine.Segmentation;

/// <summary>
/// SAM's prompt encoder. Sparse prompts become tokens: a point is its positional encoding plus the
/// learned embedding of its label (<c>point_embeddings.0</c> background, <c>.1</c> foreground), a box
/// is its two corners' encodings plus <c>.2</c> and <c>.3</c>; points without a box get one padding
/// token (<c>not_a_point_embed</c>). The dense prompt is a downscaled mask, or <c>no_mask_embed</c>
/// at every cell.
/// </summary>
public sealed class SamPromptEncoder : nn.Module
{
    /// <summary>The label of the padding token, as the reference marks it.</summary>
    private static readonly Scalar PaddingLabel = -1L;
    private static readonly Scalar HalfPixel = 0.5f;

    public RandomFourierPositions pe_layer;
    public ModuleList<LearnedEmbeddings> point_embeddings;
    public LearnedEmbeddings not_a_point_embed;
    public MaskDownscaling mask_downscaling;
    public LearnedEmbeddings no_mask_embed;

    public int EmbedDim { get; }
    public int ImageSize { get; }
    public int EmbeddingSize { get; }

    public SamPromptEncoder(SamConfig config, ParameterAllocation alloc, string name = "SamPromptEncoder") : base(name)
    {
        EmbedDim = config.PromptEmbedDim;
        ImageSize = config.ImageSize;
        EmbeddingSize = config.EmbeddingSize;
        pe_layer = new RandomFourierPositions(EmbedDim, alloc);
        point_embeddings = new ModuleList<LearnedEmbeddings>();
        for (var i = 0; i < 4; i++) point_embeddings.Add(new LearnedEmbeddings(1, EmbedDim, alloc));
        not_a_point_embed = new LearnedEmbeddings(1, EmbedDim, alloc);
        mask_downscaling = new MaskDownscaling(config.MaskInChans, EmbedDim, config.LayerNormEps, alloc);
        no_mask_embed = new LearnedEmbeddings(1, EmbedDim, alloc);
        RegisterComponents();
    }

    /// <summary>The positional encoding of the image embedding's grid, [1, dim, h, w].</summary>
    public Tensor DensePositions() => pe_layer.Grid(EmbeddingSize, EmbeddingSize);

    /// <summary>
    /// Prompts in encoder-input pixels: <paramref name="points"/> [B, N, 2] with <paramref name="labels"/>
    /// [B, N] (1 foreground, 0 background), <paramref name="boxes"/> [B, 4] (x0, y0, x1, y1),
    /// <paramref name="masks"/> [B, 1, 4h, 4w] logits. Returns sparse tokens [B, n, dim] and the dense
    /// embedding [B, dim, h, w].
    /// </summary>
    public (Tensor Sparse, Tensor Dense) forward(Tensor? points, Tensor? labels, Tensor? boxes, Tensor? masks)
    {
        if ((points is null) != (labels is null)) throw new ArgumentException("points and labels go together");
        using var scope = NewDisposeScope();
        var batch = points?.shape[0] ?? boxes?.shape[0] ?? masks?.shape[0] ?? 1;
        var device = pe_layer.positional_encoding_gaussian_matrix.device;
        var parts = new List<Tensor>();
        if (points is not null) parts.Add(EmbedPoints(points, labels!, pad: boxes is null));
        if (boxes is not null) parts.Add(EmbedBoxes(boxes));
        var sparse = parts.Count > 0 ? cat(parts, 1) : empty(batch, 0, EmbedDim, device: device);
        var dense = masks is not null
            ? mask_downscaling.forward(masks)
            : no_mask_embed.weight.reshape(1, -1, 1, 1).expand(batch, -1, EmbeddingSize, EmbeddingSize);
        return (scope.MoveToOuter(sparse), scope.MoveToOuter(dense));
    }

    private Tensor EmbedPoints(Tensor points, Tensor labels, bool pad)
    {
        // Pixel centres: the reference shifts every coordinate by half a pixel.
        var centres = points.add(HalfPixel, PinnedScalars.One);
        if (pad)
        {
            centres = cat([centres, zeros(points.shape[0], 1, 2, dtype: points.dtype, device: points.device)], 1);
            labels = cat([labels, full(labels.shape[0], 1, PaddingLabel, dtype: labels.dtype, device: labels.device)], 1);
        }
        var encoded = pe_layer.EncodePixels(centres, ImageSize, ImageSize);
        var label = labels.unsqueeze(-1);
        var isPadding = label.eq(PaddingLabel);
        return encoded.masked_fill(isPadding, PinnedScalars.Zero)
            .add_(isPadding.to(encoded.dtype) * not_a_point_embed.weight[0], PinnedScalars.One)
            .add_(label.eq(PinnedScalars.Zero).to(encoded.dtype) * point_embeddings[0].weight[0], PinnedScalars.One)
            .add_(label.eq(PinnedScalars.One).to(encoded.dtype) * point_embeddings[1].weight[0], PinnedScalars.One);
    }

    private Tensor EmbedBoxes(Tensor boxes)
    {
        var corners = boxes.add(HalfPixel, PinnedScalars.One).reshape(-1, 2, 2);
        var encoded = pe_layer.EncodePixels(corners, ImageSize, ImageSize);
        var cornerEmbeddings = stack([point_embeddings[2].weight[0], point_embeddings[3].weight[0]], 0);
        return encoded.add(cornerEmbeddings, PinnedScalars.One);
    }
}
