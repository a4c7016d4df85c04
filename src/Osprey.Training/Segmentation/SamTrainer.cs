using System.Diagnostics;
using Osprey.Engine.Imaging;
using Osprey.Engine.Layers;
using Osprey.Engine.Segmentation;
using Osprey.Training.Synthetic;
using Osprey.Training.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Osprey.Training.Segmentation;

/// <summary>
/// Trains a Segment Anything model end to end on the synthetic region world. Each scene's objects give
/// three prompts with their visible mask (occluded pixels excluded) as the target: one click inside
/// the object (the single mask, and the best of the three multimask outputs, as the reference trains
/// ambiguous clicks), the object's box, and a foreground click with a background click near the
/// object. One click on bare background per scene teaches "nothing here": an empty mask and a
/// predicted IoU of 0, so segment-everything's IoU filter drops grid points that hit no object.
/// Optionally more single clicks per object (<see cref="SamTrainingOptions.ClicksPerObject"/>).
/// The IoU head regresses the thresholded masks' IoU. AdamW, warm-up and cosine decay; deterministic
/// for a seed and a thread count.
/// </summary>
public sealed class SamTrainer
{
    private readonly SamModel _model;
    private readonly SamTrainingOptions _options;
    private readonly SceneGenerator _scenes;
    private readonly SamPreprocessor _preprocessor;
    private readonly IReadOnlyList<Parameter> _trainable;
    private readonly AdamW _adam;
    private readonly LearningRateSchedule _schedule;

    // Owned for the process: implicit double→Scalar conversions can be finalised while libtorch reads them.
    private static readonly Scalar One = PinnedScalars.One, Quarter = 0.25;

    public SamTrainer(SamModel model, SamTrainingOptions options, SceneGenerator scenes)
    {
        if (scenes.Options.ImageSize > model.Config.ImageSize)
            throw new ArgumentException($"scenes of {scenes.Options.ImageSize} px do not fit the encoder's {model.Config.ImageSize} px input");
        _model = model;
        _options = options;
        _scenes = scenes;
        _preprocessor = new SamPreprocessor(model.Config);
        _trainable = SamParameterInitializer.Trainable(model);
        foreach (var p in _trainable) p.requires_grad = true;
        var (matrices, others) = WeightDecayGroups.Split(_trainable, options.WeightDecay);
        _adam = new PinnedScalarAdamW([matrices, others], options.LearningRate, beta1: 0.9, beta2: 0.999, eps: 1e-8, KernelPins.Current);
        _schedule = new LearningRateSchedule(options.LearningRate, options.WarmupSteps, options.Steps, options.MinLearningRateFraction);
    }

    public void Train(Action<SamTrainingProgress>? report = null)
    {
        _model.train();
        var clock = Stopwatch.StartNew();
        double loss = 0, clickIou = 0, boxIou = 0;
        int steps = 0, clicks = 0, boxes = 0;
        for (var step = 1; step <= _options.Steps; step++)
        {
            var lr = _schedule.At(step);
            foreach (var group in _adam.ParamGroups) group.LearningRate = lr;
            using (var scope = NewDisposeScope())
            {
                _adam.zero_grad();
                var result = Loss(step);
                GradientStep.Apply(result.Loss, _trainable, _options.ClipNorm, _adam);
                loss += result.Loss.item<float>();
                clickIou += result.ClickIouSum;
                boxIou += result.BoxIouSum;
                clicks += result.Objects;
                boxes += result.Objects;
                steps++;
            }
            if (step % _options.LogEvery == 0 || step == _options.Steps)
            {
                report?.Invoke(new SamTrainingProgress(step, _options.Steps, lr, loss / steps, clickIou / Math.Max(1, clicks),
                    boxIou / Math.Max(1, boxes), clock.Elapsed));
                (loss, clickIou, boxIou, steps, clicks, boxes) = (0, 0, 0, 0, 0, 0);
            }
        }
        _model.eval();
        foreach (var p in _trainable) p.requires_grad = false;
    }

    private sealed record StepLoss(Tensor Loss, double ClickIouSum, double BoxIouSum, int Objects);

    private StepLoss Loss(int step)
    {
        var count = _options.ScenesPerStep;
        var scenes = Enumerable.Range(0, count).Select(i => _scenes.Generate(_options.Seed, (step - 1) * count + i)).ToArray();
        var pixels = cat(scenes.Select(s => _preprocessor.Preprocess(new RgbImage(s.Width, s.Height, s.Pixels))).ToList(), 0);
        var embeddings = _model.image_encoder.forward(pixels);
        var positions = _model.prompt_encoder.DensePositions();
        var terms = new List<Tensor>();
        double clickIou = 0, boxIou = 0;
        var objects = 0;
        for (var i = 0; i < count; i++)
        {
            var scene = scenes[i];
            var rng = SeededRandom.Derive(_options.Seed, (step - 1) * count + i, purpose: 23);
            var embedding = embeddings.narrow(0, i, 1);
            var masks = scene.Objects.Select(o => o.Mask).ToArray();
            var n = masks.Length;
            objects += n;

            // Clicks: one per object, then one on bare background (target empty) when there is any.
            var clickPoints = masks.Select(m => SceneClicks.Inside(m, scene.Width, rng)).ToList();
            var background = SceneClicks.Background(scene, rng);
            var clickTargets = masks.ToList();
            if (background is { } bg)
            {
                clickPoints.Add(bg);
                clickTargets.Add(new byte[scene.Width * scene.Height]);
            }
            var isObject = tensor(clickPoints.Select((_, k) => k < n ? 1f : 0f).ToArray());
            var (clickLogits, clickPredicted) = Decode(embedding, positions, clickPoints.Select(p => new[] { p }).ToList(), null);
            var (clickLoss, clickActual) = SamMaskLoss.PerMask(Resize(clickLogits), Targets(clickTargets, scene));
            var single = clickLoss.select(1, 0);
            var multi = clickLoss.narrow(1, 1, clickLoss.shape[1] - 1);
            var multiLoss = (isObject * multi.min(1).values).add(isObject.neg().add(One, One) * multi.mean([1]), One);
            terms.Add(single.add(multiLoss, One).sum());
            terms.Add(nn.functional.mse_loss(clickPredicted, clickActual * isObject.unsqueeze(1), nn.Reduction.Sum).mul(Quarter));
            clickIou += clickActual.select(1, 0).narrow(0, 0, n).sum().item<float>();

            // Boxes.
            var boxList = masks.Select(m => SceneClicks.Box(m, scene.Width, scene.Height, _options.BoxJitter, rng)).ToList();
            var (boxLogits, boxPredicted) = Decode(embedding, positions, null, boxList);
            var (boxLoss, boxActual) = SamMaskLoss.PerMask(Resize(boxLogits.narrow(1, 0, 1)), Targets(masks, scene));
            terms.Add(boxLoss.sum());
            terms.Add(nn.functional.mse_loss(boxPredicted.narrow(1, 0, 1), boxActual, nn.Reduction.Sum));
            boxIou += boxActual.sum().item<float>();

            // A foreground click with a background click near the object.
            var pairs = new List<SamPoint[]>();
            var pairTargets = new List<byte[]>();
            foreach (var m in masks)
                if (SceneClicks.Near(m, scene.Width, scene.Height, _options.NearMargin, rng) is { } near)
                {
                    pairs.Add([SceneClicks.Inside(m, scene.Width, rng), near]);
                    pairTargets.Add(m);
                }
            if (pairs.Count > 0)
            {
                var (pairLogits, pairPredicted) = Decode(embedding, positions, pairs, null);
                var (pairLoss, pairActual) = SamMaskLoss.PerMask(Resize(pairLogits.narrow(1, 0, 1)), Targets(pairTargets, scene));
                terms.Add(pairLoss.sum());
                terms.Add(nn.functional.mse_loss(pairPredicted.narrow(1, 0, 1), pairActual, nn.Reduction.Sum));
            }

            // More single clicks on the same objects, trained as the first ones.
            if (_options.ClicksPerObject > 1)
            {
                var extraTargets = Enumerable.Range(1, _options.ClicksPerObject - 1).SelectMany(_ => masks).ToList();
                var extraPoints = extraTargets.Select(m => new[] { SceneClicks.Inside(m, scene.Width, rng) }).ToList();
                var (extraLogits, extraPredicted) = Decode(embedding, positions, extraPoints, null);
                var (extraLoss, extraActual) = SamMaskLoss.PerMask(Resize(extraLogits), Targets(extraTargets, scene));
                var extraMulti = extraLoss.narrow(1, 1, extraLoss.shape[1] - 1).min(1).values;
                terms.Add(extraLoss.select(1, 0).add(extraMulti, One).sum());
                terms.Add(nn.functional.mse_loss(extraPredicted, extraActual, nn.Reduction.Sum).mul(Quarter));
            }
        }
        using Scalar perObject = 1.0 / objects;
        var total = stack(terms).sum().mul(perObject);
        return new StepLoss(total, clickIou, boxIou, objects);
    }

    /// <summary>Every mask token's logits [B, M, 4h, 4w] and predicted IoUs [B, M] for a batch of click sets (equal length) or boxes.</summary>
    private (Tensor Logits, Tensor Iou) Decode(Tensor embedding, Tensor positions, IReadOnlyList<SamPoint[]>? points, IReadOnlyList<SamBox>? boxes)
    {
        Tensor? coords = null, labels = null, boxTensor = null;
        if (points is not null)
        {
            var (b, k) = (points.Count, points[0].Length);
            coords = tensor(points.SelectMany(set => set.SelectMany(p => new[] { (float)p.X, (float)p.Y })).ToArray(), [b, k, 2]);
            labels = tensor(points.SelectMany(set => set.Select(p => (long)p.Label)).ToArray(), [b, k]);
        }
        if (boxes is not null)
            boxTensor = tensor(boxes.SelectMany(x => new[] { (float)x.X0, (float)x.Y0, (float)x.X1, (float)x.Y1 }).ToArray(), [boxes.Count, 4]);
        var (sparse, dense) = _model.prompt_encoder.forward(coords, labels, boxTensor, null);
        return _model.mask_decoder.EveryOutput(embedding, positions, sparse, dense);
    }

    /// <summary>Low-resolution logits to the scene's pixels, as the predictor upscales them (bilinear, corners not aligned).</summary>
    private Tensor Resize(Tensor logits)
    {
        var size = _scenes.Options.ImageSize;
        if (logits.shape[2] == size && logits.shape[3] == size) return logits;
        var full = nn.functional.interpolate(logits, size: [_model.Config.ImageSize, _model.Config.ImageSize],
            mode: InterpolationMode.Bilinear, align_corners: false);
        return full[.., .., ..size, ..size];
    }

    private static Tensor Targets(IReadOnlyList<byte[]> masks, SyntheticScene scene) =>
        tensor(masks.SelectMany(m => m).Select(b => (float)b).ToArray(), [masks.Count, scene.Height, scene.Width]);
}
