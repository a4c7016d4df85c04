using System.Text.Json;
using Osprey.Engine.Segmentation;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Segmentation;

/// <summary>The predictor against the reference implementation's every intermediate, within the fixture's tolerances.</summary>
public sealed class SamPredictorFidelityTests(ITestOutputHelper output)
{
    private const double Atol = 1e-3;
    private const double MaskIou = 0.995;

    [Fact]
    public void Resizes_the_long_side_with_pillows_bilinear_filter()
    {
        var c = SamReference.Case("p1_point");
        var predictor = new SamPredictor(SamReference.Model);
        var resized = predictor.Preprocessor.Resize(SamReference.Truck());

        Assert.Equal(c.GetProperty("input_size")[0].GetInt32(), resized.Height);
        Assert.Equal(c.GetProperty("input_size")[1].GetInt32(), resized.Width);
        Assert.Equal(c.GetProperty("resized_image_checksum").GetInt64(), resized.Pixels.Sum(b => (long)b));
    }

    [Fact]
    public void Image_embedding_matches_the_reference()
    {
        var c = SamReference.Case("p1_point");
        var predictor = new SamPredictor(SamReference.Model);
        using var embedding = predictor.Embed(SamReference.Truck());

        Assert.Equal(c.GetProperty("image_embeddings_shape").EnumerateArray().Select(e => e.GetInt64()), embedding.Embedding.shape);
        var values = embedding.Embedding.cpu().contiguous().data<float>().ToArray();
        var worst = SamReference.AssertClose(SamReference.Floats(c.GetProperty("image_embeddings")), values, Atol, "image embedding");
        output.WriteLine($"image embedding: largest difference {worst:G3}");
        Assert.Equal(c.GetProperty("image_embeddings_sum").GetDouble(), values.Sum(v => (double)v), Atol * values.Length / 10);
        Assert.Equal(c.GetProperty("image_embeddings_abs_sum").GetDouble(), values.Sum(v => Math.Abs((double)v)), Atol * values.Length / 10);
    }

    [Theory]
    [InlineData("p1_point")]
    [InlineData("p2_points_neg")]
    [InlineData("p3_box_single")]
    public void Prompt_masks_match_the_reference(string name)
    {
        var c = SamReference.Case(name);
        var predictor = new SamPredictor(SamReference.Model);
        using var embedding = predictor.Embed(SamReference.Truck());

        var prediction = predictor.Predict(embedding, Prompt(c.GetProperty("prompts")));

        var expectedIou = SamReference.Floats(c.GetProperty("iou_predictions"));
        Assert.Equal(expectedIou.Length, prediction.IouPredictions.Length);
        var worstIou = SamReference.AssertClose(expectedIou, prediction.IouPredictions, Atol, "iou predictions");

        var expectedLogits = c.GetProperty("low_res_logits");
        Assert.Equal(expectedLogits[0].GetArrayLength(), prediction.LowResHeight);
        Assert.Equal(expectedLogits[0][0].GetArrayLength(), prediction.LowResWidth);
        var worstLogit = 0.0;
        for (var m = 0; m < expectedIou.Length; m++)
            worstLogit = Math.Max(worstLogit,
                SamReference.AssertClose(SamReference.Flatten(expectedLogits[m]), prediction.LowResLogits[m], Atol, $"low-res logits of mask {m}"));

        var rles = c.GetProperty("masks_rle");
        var areas = c.GetProperty("masks_area");
        for (var m = 0; m < expectedIou.Length; m++)
        {
            var expected = SamReference.Mask(rles[m]);
            Assert.Equal(areas[m].GetInt64(), expected.Area);
            var iou = SamReference.Iou(expected, prediction.Masks[m]);
            Assert.True(iou >= MaskIou, $"mask {m}: IoU {iou:F5} with the reference");
            output.WriteLine($"mask {m}: IoU {iou:F5}");
        }
        output.WriteLine($"iou predictions: largest difference {worstIou:G3}; low-res logits: {worstLogit:G3}");
    }

    private static SamPrompt Prompt(JsonElement p)
    {
        var points = new List<SamPoint>();
        if (p.TryGetProperty("points", out var coords))
        {
            var labels = p.GetProperty("labels");
            for (var i = 0; i < coords.GetArrayLength(); i++)
                points.Add(new SamPoint(coords[i][0].GetDouble(), coords[i][1].GetDouble(), labels[i].GetInt32()));
        }
        SamBox? box = p.TryGetProperty("box", out var b)
            ? new SamBox(b[0].GetDouble(), b[1].GetDouble(), b[2].GetDouble(), b[3].GetDouble())
            : null;
        var multimask = !p.TryGetProperty("multimask_output", out var mm) || mm.GetBoolean();
        return new SamPrompt(points, box, multimask);
    }
}
