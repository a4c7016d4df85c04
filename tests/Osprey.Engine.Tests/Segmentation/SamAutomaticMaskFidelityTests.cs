using Osprey.Engine.Regions;
using Osprey.Engine.Segmentation;
using Xunit.Abstractions;

namespace Osprey.Engine.Tests.Segmentation;

/// <summary>Segment-everything against the reference generator's annotations (p4_everything).</summary>
public sealed class SamAutomaticMaskFidelityTests(ITestOutputHelper output)
{
    [Fact]
    public void Everything_finds_the_reference_annotations()
    {
        var c = SamReference.Case("p4_everything");
        var p = c.GetProperty("params");
        var options = new AutomaticMaskOptions
        {
            PointsPerSide = p.GetProperty("points_per_side").GetInt32(),
            PredIouThresh = p.GetProperty("pred_iou_thresh").GetDouble(),
            StabilityScoreThresh = p.GetProperty("stability_score_thresh").GetDouble(),
            BoxNmsThresh = p.GetProperty("box_nms_thresh").GetDouble(),
            MinMaskRegionArea = p.GetProperty("min_mask_region_area").GetInt32(),
        };
        var annotations = new SamAutomaticMaskGenerator(new SamPredictor(SamReference.Model), options).Generate(SamReference.Truck());

        var expected = c.GetProperty("annotations").EnumerateArray().ToList();
        Assert.Equal(expected.Count, annotations.Count);
        var unmatched = annotations.ToList();
        foreach (var e in expected)
        {
            var mask = SamReference.Mask(e.GetProperty("segmentation"));
            var (best, iou) = unmatched.Select(a => (a, SamReference.Iou(mask, a.Segmentation.ToMask()))).MaxBy(m => m.Item2);
            Assert.True(iou >= 0.99, $"reference annotation of area {mask.Area} matched at IoU {iou:F4} only");
            unmatched.Remove(best);
            output.WriteLine($"area {mask.Area}: IoU {iou:F5}, predicted IoU {best.PredictedIou} (reference {e.GetProperty("predicted_iou").GetDouble()}), " +
                             $"stability {best.StabilityScore} (reference {e.GetProperty("stability_score").GetDouble()})");

            Assert.Equal(e.GetProperty("predicted_iou").GetDouble(), best.PredictedIou, 1e-3);
            Assert.Equal(e.GetProperty("stability_score").GetDouble(), best.StabilityScore, 1e-3);
            Assert.Equal(mask.Area, best.Area);
            Assert.Equal(e.GetProperty("bbox").EnumerateArray().Select(v => v.GetInt32()), best.Bbox);
            Assert.Equal(e.GetProperty("point_coords")[0][0].GetDouble(), best.PointX);
            Assert.Equal(e.GetProperty("point_coords")[0][1].GetDouble(), best.PointY);
        }
    }

    [Fact]
    public void Crop_layers_and_region_cleanup_give_consistent_annotations()
    {
        var options = new AutomaticMaskOptions
        {
            PointsPerSide = 4, PredIouThresh = -10, StabilityScoreThresh = 0, BoxNmsThresh = 0.9, CropNLayers = 1, MinMaskRegionArea = 50,
        };
        var image = SamReference.Truck();
        var annotations = new SamAutomaticMaskGenerator(new SamPredictor(SamReference.Model), options).Generate(image);

        Assert.NotEmpty(annotations);
        foreach (var a in annotations)
        {
            var mask = a.Segmentation.ToMask();
            Assert.Equal((image.Height, image.Width), (mask.Height, mask.Width));
            Assert.Equal(mask.Area, a.Area);
            var box = MaskBoxes.Of(mask);
            Assert.Equal([(int)box[0], (int)box[1], (int)(box[2] - box[0]), (int)(box[3] - box[1])], a.Bbox);
            Assert.InRange(a.PointX, a.CropBox[0], a.CropBox[0] + a.CropBox[2]);
            Assert.InRange(a.PointY, a.CropBox[1], a.CropBox[1] + a.CropBox[3]);
            // After cleanup no hole or island below the minimum area is left.
            Assert.False(SmallRegions.FillHoles(mask, options.MinMaskRegionArea).Changed && SmallRegions.RemoveIslands(mask, options.MinMaskRegionArea).Changed);
        }
    }

    [Fact]
    public void Point_grid_is_cell_centres_row_by_row()
    {
        var grid = PointGrid.Build(4);
        Assert.Equal(16, grid.Length);
        Assert.Equal((0.125, 0.125), grid[0]);
        Assert.Equal((0.375, 0.125), grid[1]);
        Assert.Equal((0.125, 0.375), grid[4]);
        Assert.Equal((0.875, 0.875), grid[15]);
    }

    [Fact]
    public void Crop_layers_overlap_and_cover_the_image()
    {
        var boxes = CropBox.Generate(200, 300, 1, 512.0 / 1500);
        Assert.Equal(5, boxes.Count);
        Assert.Equal(new CropBox(0, 0, 300, 200, 0), boxes[0]);
        // overlap int(512/1500 · 200 · 1) = 68; crop 300 → ceil((68 + 300) / 2) = 184, 200 → 134.
        Assert.Equal(new CropBox(0, 0, 184, 134, 1), boxes[1]);
        Assert.Equal(new CropBox(0, 66, 184, 200, 1), boxes[2]);
        Assert.Equal(new CropBox(116, 0, 300, 134, 1), boxes[3]);
        Assert.Equal(new CropBox(116, 66, 300, 200, 1), boxes[4]);
    }

    [Fact]
    public void Nms_keeps_the_best_of_overlapping_boxes_in_score_order()
    {
        float[][] boxes = [[0, 0, 10, 10], [1, 1, 10, 10], [20, 20, 30, 30], [0, 0, 10, 9]];
        float[] scores = [0.5f, 0.9f, 0.1f, 0.3f];
        // Box 1 (best) overlaps box 0 at IoU 0.81 and box 3 at 72/99 ≈ 0.73.
        Assert.Equal([1, 3, 2], BoxNms.Keep(boxes, scores, 0.8));
        Assert.Equal([1, 2], BoxNms.Keep(boxes, scores, 0.7));
    }

    [Fact]
    public void Small_holes_are_filled_and_small_islands_removed()
    {
        var data = new byte[10 * 10];
        for (var y = 1; y < 7; y++) for (var x = 1; x < 7; x++) data[y * 10 + x] = 1;
        data[3 * 10 + 3] = 0;          // a one-pixel hole
        data[9 * 10 + 9] = 1;          // a one-pixel island, touching nothing
        var mask = new RegionMask(10, 10, data);

        var (filled, holesChanged) = SmallRegions.FillHoles(mask, 2);
        Assert.True(holesChanged);
        Assert.Equal(1, filled.Data[33]);
        var (trimmed, islandsChanged) = SmallRegions.RemoveIslands(filled, 2);
        Assert.True(islandsChanged);
        Assert.Equal(0, trimmed.Data[99]);
        Assert.Equal(36, trimmed.Area);
        Assert.False(SmallRegions.RemoveIslands(trimmed, 2).Changed);

        // When every island is small, the largest stays.
        var (largest, _) = SmallRegions.RemoveIslands(mask, 1000);
        Assert.Equal(35, largest.Area);
    }
}
