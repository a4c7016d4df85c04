using System.CommandLine;
using Osprey.Engine.Imaging;
using Osprey.Engine.Segmentation;
using Osprey.Engine.Serving;

namespace Osprey.Cli.Commands;

/// <summary>
/// <c>osprey segment</c>: masks from clicks and a box, or every object (<c>--everything</c>), with
/// Segment Anything; the result goes to a JSON file. Prompts are checked against the image before
/// the model loads.
/// </summary>
public static class SegmentCommand
{
    public static Command Create()
    {
        var sam = new Option<string?>("--sam") { Description = "Segment Anything model: a directory with sam_vit_{b,l,h}_*.pth (and optionally config.json), or the .pth (default: models/sam-default)" };
        var image = new Option<string>("--image") { Description = "Image file (PNG, JPEG, …)", Required = true };
        var points = new Option<string[]>("--point") { Description = "A click X,Y:LABEL in pixels, label 1 foreground or 0 background (repeatable, at most 64)" };
        var box = new Option<string?>("--box") { Description = "A box X0,Y0,X1,Y1 in pixels" };
        var singleMask = new Option<bool>("--single-mask") { Description = "One mask instead of three candidates" };
        var output = new Option<string>("--output-json") { Description = "Where to write the result", Required = true };
        var everything = new Option<bool>("--everything") { Description = "Segment every object (no prompt)" };
        var defaults = new AutomaticMaskOptions();
        var pointsPerSide = new Option<int>("--points-per-side") { DefaultValueFactory = _ => defaults.PointsPerSide, Description = "--everything: clicks per side of the grid" };
        var predIou = new Option<double>("--pred-iou-thresh") { DefaultValueFactory = _ => defaults.PredIouThresh, Description = "--everything: keep masks whose predicted IoU exceeds this" };
        var stability = new Option<double>("--stability-score-thresh") { DefaultValueFactory = _ => defaults.StabilityScoreThresh, Description = "--everything: keep masks at least this stable" };
        var boxNms = new Option<double>("--box-nms-thresh") { DefaultValueFactory = _ => defaults.BoxNmsThresh, Description = "--everything: box IoU above which the weaker mask is dropped" };
        var minArea = new Option<int>("--min-mask-region-area") { DefaultValueFactory = _ => defaults.MinMaskRegionArea, Description = "--everything: fill holes and drop islands smaller than this (pixels)" };
        var threads = ComputeThreads.Create();

        var command = new Command("segment", "Masks from clicks or a box, or every object, with Segment Anything")
        {
            sam, image, points, box, singleMask, output, everything, pointsPerSide, predIou, stability, boxNms, minArea, threads,
        };
        command.SetAction((result, cancellationToken) => CliErrors.Guard(async () =>
        {
            var pixels = new ImageDecoder().DecodeFile(result.GetValue(image)!);
            var outputPath = result.GetValue(output)!;
            SamPrompt? prompt = null;
            AutomaticMaskOptions? automatic = null;
            var clicks = result.GetValue(points) ?? [];
            var boxText = result.GetValue(box);
            if (result.GetValue(everything))
            {
                if (clicks.Length > 0 || boxText is not null || result.GetValue(singleMask))
                    return CliErrors.Fail("--everything takes no --point, --box or --single-mask");
                automatic = new AutomaticMaskOptions
                {
                    PointsPerSide = result.GetValue(pointsPerSide),
                    PredIouThresh = result.GetValue(predIou),
                    StabilityScoreThresh = result.GetValue(stability),
                    BoxNmsThresh = result.GetValue(boxNms),
                    MinMaskRegionArea = result.GetValue(minArea),
                };
                automatic.Validate();
            }
            else
            {
                if (clicks.Length == 0 && boxText is null)
                    return CliErrors.Fail("give at least one --point or a --box, or --everything");
                prompt = new SamPrompt([.. clicks.Select(SegmentArguments.Point)], boxText is null ? null : SegmentArguments.Box(boxText),
                    Multimask: !result.GetValue(singleMask));
                prompt.Validate(pixels.Width, pixels.Height);
            }

            ComputeThreads.Apply(result, threads);
            var directory = DefaultSam.Resolve(result.GetValue(sam));
            Console.Error.WriteLine($"loading {directory}");
            using var worker = SegmentationWorker.Start(SamCheckpoint.Load(directory));
            if (prompt is not null)
            {
                var prediction = await worker.Run(p =>
                {
                    using var embedding = p.Embed(pixels);
                    return p.Predict(embedding, prompt);
                }, cancellationToken);
                SegmentationJson.WritePrediction(outputPath, prediction);
                Console.Error.WriteLine($"{prediction.Masks.Length} mask(s), predicted IoU {string.Join(", ", prediction.IouPredictions.Select(v => v.ToString("F3")))} → {outputPath}");
            }
            else
            {
                var annotations = await worker.Run(p => new SamAutomaticMaskGenerator(p, automatic!).Generate(pixels), cancellationToken);
                SegmentationJson.WriteAnnotations(outputPath, annotations);
                Console.Error.WriteLine($"{annotations.Count} mask(s) → {outputPath}");
            }
            return 0;
        }));
        return command;
    }
}
