using System.Text.Json;
using Osprey.Training.Segmentation;

namespace Osprey.Cli.Commands;

/// <summary>
/// The held-out SAM evaluation as <c>train-sam</c> and <c>eval-sam</c> write it: <c>eval-heldout.json</c>
/// beside the weights and one line on standard output.
/// </summary>
public static class SamEvaluationFile
{
    public const string FileName = "eval-heldout.json";

    public static void Write(SamHeldOutEvaluation.Result eval, string path)
    {
        var json = JsonSerializer.Serialize(new
        {
            seed = eval.Seed,
            scenes = eval.Scenes,
            objects = eval.Objects,
            click_single_mask_mean_iou = eval.ClickIou,
            click_best_scored_of_three_mean_iou = eval.ClickBestScoredIou,
            centre_click_single_mask_mean_iou = eval.CentreClickIou,
            box_mean_iou = eval.BoxIou,
        }, new JsonSerializerOptions { WriteIndented = true });
        File.WriteAllText(path, json + "\n");
        Console.WriteLine($"held-out ({eval.Scenes} scenes of seed {eval.Seed}, {eval.Objects} objects): one click mean IoU {eval.ClickIou:0.0000} " +
                          $"(best-scored of three {eval.ClickBestScoredIou:0.0000}), one click at the centre {eval.CentreClickIou:0.0000}, " +
                          $"box mean IoU {eval.BoxIou:0.0000}");
    }
}
