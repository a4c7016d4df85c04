using Osprey.Engine.Imaging;
using Osprey.Engine.Regions;
using Osprey.Engine.Segmentation;
using Osprey.Training.Synthetic;

namespace Osprey.Training.Segmentation;

/// <summary>
/// Mean IoU with the visible mask over every object of held-out scenes, through the predictor's full
/// pipeline (resize, normalise, pad, upscale, threshold): one click at a uniformly drawn pixel of the
/// visible mask (the single-mask output, and the multimask output the IoU head scores highest), one
/// click at the mask's centre (the Segment Anything paper's single-click protocol,
/// <see cref="SceneClicks.Centre"/>; single mask), and the mask's tight box (single mask).
/// </summary>
public static class SamHeldOutEvaluation
{
    /// <summary>The held-out set every shipped figure is quoted on: scenes no training run draws.</summary>
    public const long DefaultSeed = 2_000_003;

    public const int DefaultScenes = 200;

    public sealed record Result(long Seed, int Scenes, int Objects, double ClickIou, double ClickBestScoredIou, double CentreClickIou, double BoxIou);

    public static Result Run(SamPredictor predictor, SceneGenerator scenes, long seed, int count)
    {
        double click = 0, best = 0, centre = 0, box = 0;
        var objects = 0;
        for (var i = 0; i < count; i++)
        {
            var scene = scenes.Generate(seed, i);
            var rng = SeededRandom.Derive(seed, i, purpose: 29);
            using var embedding = predictor.Embed(new RgbImage(scene.Width, scene.Height, scene.Pixels));
            foreach (var obj in scene.Objects)
            {
                var point = SceneClicks.Inside(obj.Mask, scene.Width, rng);
                click += Iou(predictor.Predict(embedding, new SamPrompt([point], null, Multimask: false)).Masks[0], obj.Mask);
                var multi = predictor.Predict(embedding, new SamPrompt([point], null, Multimask: true));
                var top = Array.IndexOf(multi.IouPredictions, multi.IouPredictions.Max());
                best += Iou(multi.Masks[top], obj.Mask);
                var middle = SceneClicks.Centre(obj.Mask, scene.Width, scene.Height);
                centre += Iou(predictor.Predict(embedding, new SamPrompt([middle], null, Multimask: false)).Masks[0], obj.Mask);
                var tight = SceneClicks.Box(obj.Mask, scene.Width, scene.Height, jitter: 0, rng);
                box += Iou(predictor.Predict(embedding, new SamPrompt([], tight, Multimask: false)).Masks[0], obj.Mask);
                objects++;
            }
        }
        return new Result(seed, count, objects, click / objects, best / objects, centre / objects, box / objects);
    }

    public static double Iou(RegionMask predicted, byte[] truth)
    {
        long intersection = 0, union = 0;
        for (var k = 0; k < truth.Length; k++)
        {
            var p = predicted.Data[k] != 0;
            var t = truth[k] != 0;
            if (p && t) intersection++;
            if (p || t) union++;
        }
        return union == 0 ? 1 : (double)intersection / union;
    }
}
