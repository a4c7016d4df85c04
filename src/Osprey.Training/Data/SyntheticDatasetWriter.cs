using System.Runtime.InteropServices;
using System.Text.Json;
using Osprey.Training.Synthetic;
using Osprey.Training.Synthetic.QuestionFamilies;
using SkiaSharp;

namespace Osprey.Training.Data;

/// <summary>
/// Writes synthetic samples in the Osprey-724K-style JSON that <see cref="RegionDatasetLoader"/> reads
/// (scene images as PNG under <c>images/</c>, masks as compressed COCO RLE, a "family" per record),
/// so fine-tuning on synthetic or user data goes through one format.
/// </summary>
public static class SyntheticDatasetWriter
{
    public const string ImageFolder = "images";

    /// <returns>The path of the written JSON file.</returns>
    public static string Write(IReadOnlyList<InstructionSample> samples, string directory, string jsonFileName = "dataset.json")
    {
        Directory.CreateDirectory(Path.Combine(directory, ImageFolder));
        var written = new HashSet<(long, int)>();
        string jsonPath = Path.Combine(directory, jsonFileName);
        using var stream = File.Create(jsonPath);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false });
        json.WriteStartArray();
        foreach (var sample in samples)
        {
            var scene = sample.Scene;
            string imageName = $"{ImageFolder}/scene_{scene.Seed}_{scene.Index:D6}.png";
            if (written.Add((scene.Seed, scene.Index)))
                File.WriteAllBytes(Path.Combine(directory, imageName), EncodePng(scene));

            json.WriteStartObject();
            json.WriteString("image", imageName);
            json.WriteNumber("height", scene.Height);
            json.WriteNumber("width", scene.Width);
            json.WriteString("family", sample.Family);
            json.WriteStartArray("annotations");
            foreach (var region in sample.Regions)
            {
                var mask = RegionMaskCodec.FromBinary(scene.Height, scene.Width, scene.MaskOf(region));
                json.WriteStartObject();
                json.WriteStartObject("segmentation");
                json.WriteStartArray("size");
                json.WriteNumberValue(scene.Height);
                json.WriteNumberValue(scene.Width);
                json.WriteEndArray();
                json.WriteString("counts", RegionMaskCodec.EncodeRle(mask));
                json.WriteEndObject();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteStartArray("conversations");
            foreach (var turn in sample.Conversation)
            {
                json.WriteStartObject();
                json.WriteString("from", turn.From);
                json.WriteString("value", turn.Value);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        return jsonPath;
    }

    /// <summary>Lossless PNG of the scene's RGB pixels.</summary>
    public static byte[] EncodePng(SyntheticScene scene)
    {
        var rgba = new byte[scene.Width * scene.Height * 4];
        for (int k = 0, n = scene.Width * scene.Height; k < n; k++)
        {
            rgba[k * 4] = scene.Pixels[k * 3];
            rgba[k * 4 + 1] = scene.Pixels[k * 3 + 1];
            rgba[k * 4 + 2] = scene.Pixels[k * 3 + 2];
            rgba[k * 4 + 3] = 255;
        }
        var info = new SKImageInfo(scene.Width, scene.Height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        var handle = GCHandle.Alloc(rgba, GCHandleType.Pinned);
        try
        {
            using var pixmap = new SKPixmap(info, handle.AddrOfPinnedObject(), info.RowBytes);
            using var data = pixmap.Encode(SKEncodedImageFormat.Png, 100)
                ?? throw new InvalidOperationException($"PNG encoding of scene {scene.Index} failed.");
            return data.ToArray();
        }
        finally
        {
            handle.Free();
        }
    }
}
