using Osprey.Engine.Layers;
using Osprey.Engine.Imaging;
using Osprey.Engine.Regions;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Segmentation;

/// <summary>
/// The reference <c>SamPredictor</c>'s pipeline over a loaded model: encode an image once
/// (<see cref="Embed"/>), then decode any number of prompts against it. Synchronous compute on the
/// calling thread; the serving side runs it on its own thread (see <c>Serving/SegmentationWorker</c>).
/// </summary>
public sealed class SamPredictor(SamModel model)
{
    private readonly SamPreprocessor _preprocessor = new(model.Config);

    public SamModel Model { get; } = model;

    public SamPreprocessor Preprocessor => _preprocessor;

    public SamImageEmbedding Embed(RgbImage image)
    {
        using var scope = NewDisposeScope();
        using var _ = inference_mode();
        var pixels = _preprocessor.Preprocess(image).to(Model.Device);
        var embedding = Model.image_encoder.forward(pixels);
        return new SamImageEmbedding(scope.MoveToOuter(embedding), _preprocessor.Geometry(image));
    }

    /// <exception cref="SamPromptException">The prompt does not fit the image (see <see cref="SamPrompt.Validate"/>).</exception>
    public SamPrediction Predict(SamImageEmbedding image, SamPrompt prompt)
    {
        prompt.Validate(image.Width, image.Height);
        using var scope = NewDisposeScope();
        using var _ = inference_mode();
        var g = image.Geometry;
        var device = Model.Device;
        Tensor? points = null, labels = null, box = null;
        if (prompt.Points.Count > 0)
        {
            points = tensor(prompt.Points.SelectMany(p => new[] { g.X(p.X), g.Y(p.Y) }).ToArray(), [1, prompt.Points.Count, 2], device: device);
            labels = tensor(prompt.Points.Select(p => (long)p.Label).ToArray(), [1, prompt.Points.Count], device: device);
        }
        if (prompt.Box is { } b)
            box = tensor(new[] { g.X(b.X0), g.Y(b.Y0), g.X(b.X1), g.Y(b.Y1) }, [1, 4], device: device);

        var (lowRes, iou) = Decode(image, points, labels, box, prompt.Multimask);
        var masks = Upscale(lowRes, g).gt(PinnedScalars.Zero)[0];

        var (m, lh, lw) = ((int)lowRes.shape[1], (int)lowRes.shape[2], (int)lowRes.shape[3]);
        var logits = lowRes[0].cpu();
        return new SamPrediction(
            iou[0].cpu().data<float>().ToArray(),
            Enumerable.Range(0, m).Select(i => logits[i].contiguous().data<float>().ToArray()).ToArray(),
            lh, lw,
            Enumerable.Range(0, m).Select(i => ToMask(masks[i])).ToArray());
    }

    /// <summary>
    /// Prompt batches in encoder-input coordinates (points [B, N, 2] with labels [B, N], boxes [B, 4])
    /// to low-resolution logits [B, M, 4h, 4w] and predicted IoUs [B, M].
    /// </summary>
    public (Tensor LowRes, Tensor Iou) Decode(SamImageEmbedding image, Tensor? points, Tensor? labels, Tensor? boxes, bool multimask)
    {
        using var scope = NewDisposeScope();
        using var _ = inference_mode();
        var (sparse, dense) = Model.prompt_encoder.forward(points, labels, boxes, null);
        var positions = Model.prompt_encoder.DensePositions();
        var (masks, iou) = Model.mask_decoder.forward(image.Embedding, positions, sparse, dense, multimask);
        return (scope.MoveToOuter(masks), scope.MoveToOuter(iou));
    }

    /// <summary>
    /// Low-resolution logits [B, M, 4h, 4w] to logits at the original image size: bilinear to S×S,
    /// crop to the resized image, bilinear to the original size (align_corners false throughout).
    /// </summary>
    public Tensor Upscale(Tensor lowRes, LongestSideResize geometry)
    {
        using var scope = NewDisposeScope();
        var size = Model.Config.ImageSize;
        var full = nn.functional.interpolate(lowRes, size: [size, size], mode: InterpolationMode.Bilinear, align_corners: false);
        var cropped = full[.., .., ..geometry.InputHeight, ..geometry.InputWidth];
        var original = nn.functional.interpolate(cropped, size: [geometry.OriginalHeight, geometry.OriginalWidth],
            mode: InterpolationMode.Bilinear, align_corners: false);
        return scope.MoveToOuter(original);
    }

    /// <summary>A boolean [H, W] tensor as a region mask.</summary>
    public static RegionMask ToMask(Tensor mask)
    {
        var (h, w) = ((int)mask.shape[0], (int)mask.shape[1]);
        using var bytes = mask.to(ScalarType.Byte).cpu().contiguous();
        return new RegionMask(h, w, bytes.data<byte>().ToArray());
    }
}
