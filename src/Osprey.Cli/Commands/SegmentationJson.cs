using System.Text.Json;
using Osprey.Engine.Regions;
using Osprey.Engine.Segmentation;

namespace Osprey.Cli.Commands;

/// <summary>
/// <c>osprey segment</c>'s output, in the reference fixtures' shapes: a prompt's
/// <c>{"iou_predictions", "low_res_logits", "masks"}</c>, segment-everything's <c>{"annotations"}</c>
/// (largest first); masks as uncompressed COCO RLE.
/// </summary>
public static class SegmentationJson
{
    public static void WritePrediction(string path, SamPrediction prediction)
    {
        using var stream = File.Create(path);
        using var json = new Utf8JsonWriter(stream);
        json.WriteStartObject();
        json.WriteStartArray("iou_predictions");
        foreach (var v in prediction.IouPredictions) json.WriteNumberValue(v);
        json.WriteEndArray();
        json.WriteStartArray("low_res_logits");
        foreach (var logits in prediction.LowResLogits)
        {
            json.WriteStartArray();
            for (var y = 0; y < prediction.LowResHeight; y++)
            {
                json.WriteStartArray();
                for (var x = 0; x < prediction.LowResWidth; x++) json.WriteNumberValue(logits[y * prediction.LowResWidth + x]);
                json.WriteEndArray();
            }
            json.WriteEndArray();
        }
        json.WriteEndArray();
        json.WriteStartArray("masks");
        foreach (var mask in prediction.Masks) WriteRle(json, CocoRle.Encode(mask));
        json.WriteEndArray();
        json.WriteEndObject();
    }

    public static void WriteAnnotations(string path, IEnumerable<MaskAnnotation> annotations)
    {
        using var stream = File.Create(path);
        using var json = new Utf8JsonWriter(stream);
        json.WriteStartObject();
        json.WriteStartArray("annotations");
        foreach (var a in annotations.OrderByDescending(a => a.Area))
        {
            json.WriteStartObject();
            json.WriteNumber("area", a.Area);
            json.WriteStartArray("bbox");
            foreach (var v in a.Bbox) json.WriteNumberValue(v);
            json.WriteEndArray();
            json.WriteNumber("predicted_iou", a.PredictedIou);
            json.WriteNumber("stability_score", a.StabilityScore);
            json.WriteStartArray("point_coords");
            json.WriteStartArray();
            json.WriteNumberValue(a.PointX);
            json.WriteNumberValue(a.PointY);
            json.WriteEndArray();
            json.WriteEndArray();
            json.WritePropertyName("segmentation");
            WriteRle(json, a.Segmentation);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteRle(Utf8JsonWriter json, CocoRle rle)
    {
        json.WriteStartObject();
        json.WriteStartArray("size");
        json.WriteNumberValue(rle.Height);
        json.WriteNumberValue(rle.Width);
        json.WriteEndArray();
        json.WriteStartArray("counts");
        foreach (var c in rle.Counts) json.WriteNumberValue(c);
        json.WriteEndArray();
        json.WriteEndObject();
    }
}
