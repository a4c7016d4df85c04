using System.Text.Json;
using Osprey.Engine.Regions;

namespace Osprey.Training.Data;

/// <summary>
/// Reads Osprey-724K-style JSON: a list of records
/// <c>{"file_name"|"image", "height", "width", "annotations"|"regions": [{"segmentation": RLE | polygons}],
/// "conversations": [{"from": "human"|"gpt", "value"}], "family"?}</c>.
/// RLE is COCO's <c>{"size": [h, w], "counts": string | [ints]}</c>; polygons are <c>[[x, y, …], …]</c>.
/// Every record is validated up front; the first bad one is reported with its index and problem.
/// </summary>
public sealed class RegionDatasetLoader
{
    /// <param name="imageFolder">Folder that relative image names resolve against; defaults to the JSON file's folder.</param>
    public IReadOnlyList<RegionConversationRecord> Load(string jsonPath, string? imageFolder = null)
    {
        string json = File.ReadAllText(jsonPath);
        return Parse(json, imageFolder ?? Path.GetDirectoryName(Path.GetFullPath(jsonPath))!);
    }

    public IReadOnlyList<RegionConversationRecord> Parse(string json, string imageFolder)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new RegionDatasetException(-1, RegionDatasetProblem.MalformedJson, $"not valid JSON ({e.Message})", e);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
                throw new RegionDatasetException(-1, RegionDatasetProblem.MalformedJson, "the top level must be a JSON list of records");
            var records = new List<RegionConversationRecord>();
            int index = 0;
            foreach (var element in document.RootElement.EnumerateArray())
                records.Add(ParseRecord(element, index++, imageFolder));
            return records;
        }
    }

    private static RegionConversationRecord ParseRecord(JsonElement record, int index, string imageFolder)
    {
        if (record.ValueKind != JsonValueKind.Object)
            throw new RegionDatasetException(index, RegionDatasetProblem.MalformedJson, "a record must be a JSON object");

        string imageName = StringField(record, index, "file_name", "image");
        int height = PositiveInt(record, index, "height");
        int width = PositiveInt(record, index, "width");
        string imagePath = Path.IsPathRooted(imageName) ? imageName : Path.Combine(imageFolder, imageName);
        if (!File.Exists(imagePath))
            throw new RegionDatasetException(index, RegionDatasetProblem.MissingImage, $"image file '{imagePath}' does not exist");

        var regionsElement = Field(record, index, JsonValueKind.Array, "annotations", "regions");
        var regions = new List<RegionMask>();
        int r = 0;
        foreach (var region in regionsElement.EnumerateArray())
            regions.Add(ParseRegion(region, index, r++, height, width));

        var turns = ParseConversation(record, index);
        int placeholders = turns.Where(t => t.From == ConversationTurn.Human).Sum(t => RegionPlaceholders.Count(t.Value));
        if (placeholders != regions.Count)
            throw new RegionDatasetException(index, RegionDatasetProblem.PlaceholderCountMismatch,
                $"the conversation has {placeholders} region placeholder(s) (<region> or <mask><pos>) but the record has {regions.Count} region(s)");

        string? family = record.TryGetProperty("family", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null;
        return new RegionConversationRecord(index, imagePath, height, width, regions, turns, family);
    }

    private static RegionMask ParseRegion(JsonElement region, int index, int regionIndex, int height, int width)
    {
        string where = $"region {regionIndex}";
        if (region.ValueKind != JsonValueKind.Object || !region.TryGetProperty("segmentation", out var segmentation))
            throw new RegionDatasetException(index, RegionDatasetProblem.MissingField, $"{where} has no \"segmentation\"");
        try
        {
            return segmentation.ValueKind switch
            {
                JsonValueKind.Object => ParseRle(segmentation, index, where, height, width),
                JsonValueKind.Array => ParsePolygons(segmentation, index, where, height, width),
                _ => throw Bad(index, where, $"segmentation must be an RLE object or a list of polygons, not {segmentation.ValueKind}"),
            };
        }
        catch (RegionException e)
        {
            throw Bad(index, where, e.Message, e);
        }
    }

    private static RegionMask ParseRle(JsonElement rle, int index, string where, int height, int width)
    {
        if (!rle.TryGetProperty("size", out var size) || size.ValueKind != JsonValueKind.Array || size.GetArrayLength() != 2
            || !size[0].TryGetInt32(out int h) || !size[1].TryGetInt32(out int w))
            throw Bad(index, where, "RLE needs \"size\": [height, width]");
        if (h != height || w != width)
            throw new RegionDatasetException(index, RegionDatasetProblem.SizeMismatch,
                $"{where}: RLE size is [{h}, {w}] but the image is [{height}, {width}] (height, width)");
        if (!rle.TryGetProperty("counts", out var counts))
            throw Bad(index, where, "RLE needs \"counts\"");
        switch (counts.ValueKind)
        {
            case JsonValueKind.String:
                return RegionMaskCodec.DecodeRle(height, width, counts.GetString()!);
            case JsonValueKind.Array:
                var runs = new List<long>(counts.GetArrayLength());
                foreach (var c in counts.EnumerateArray())
                {
                    if (!c.TryGetInt64(out long run) || run < 0) throw Bad(index, where, $"uncompressed RLE counts must be non-negative integers, found {c}");
                    runs.Add(run);
                }
                return RegionMaskCodec.DecodeRle(height, width, runs);
            default:
                throw Bad(index, where, "RLE \"counts\" must be a string or a list of integers");
        }
    }

    private static RegionMask ParsePolygons(JsonElement polygons, int index, string where, int height, int width)
    {
        var list = new List<double[]>();
        foreach (var polygon in polygons.EnumerateArray())
        {
            if (polygon.ValueKind != JsonValueKind.Array)
                throw Bad(index, where, "polygons must be a list of [x, y, x, y, …] lists");
            var coords = new double[polygon.GetArrayLength()];
            int i = 0;
            foreach (var v in polygon.EnumerateArray())
            {
                if (v.ValueKind != JsonValueKind.Number) throw Bad(index, where, $"polygon coordinates must be numbers, found {v}");
                coords[i++] = v.GetDouble();
            }
            if (coords.Length < 6 || coords.Length % 2 != 0)
                throw Bad(index, where, $"a polygon needs an even number (≥ 6) of coordinates, found {coords.Length}");
            list.Add(coords);
        }
        if (list.Count == 0) throw Bad(index, where, "empty polygon list");
        return RegionMaskCodec.RasterizePolygons(list, height, width);
    }

    private static List<ConversationTurn> ParseConversation(JsonElement record, int index)
    {
        var conversations = Field(record, index, JsonValueKind.Array, "conversations");
        var turns = new List<ConversationTurn>();
        foreach (var turn in conversations.EnumerateArray())
        {
            if (turn.ValueKind != JsonValueKind.Object
                || !turn.TryGetProperty("from", out var from) || from.ValueKind != JsonValueKind.String
                || !turn.TryGetProperty("value", out var value) || value.ValueKind != JsonValueKind.String)
                throw new RegionDatasetException(index, RegionDatasetProblem.BadConversation,
                    $"turn {turns.Count} must be an object with string \"from\" and \"value\"");
            string expected = turns.Count % 2 == 0 ? ConversationTurn.Human : ConversationTurn.Gpt;
            if (from.GetString() != expected)
                throw new RegionDatasetException(index, RegionDatasetProblem.BadConversation,
                    $"turn {turns.Count} is from \"{from.GetString()}\" but turns must alternate human, gpt, … starting with human");
            turns.Add(new ConversationTurn(expected, RegionPlaceholders.Normalize(value.GetString()!)));
        }
        if (turns.Count == 0 || turns.Count % 2 != 0)
            throw new RegionDatasetException(index, RegionDatasetProblem.BadConversation,
                $"the conversation must be non-empty and end with a gpt answer ({turns.Count} turn(s))");
        return turns;
    }

    private static RegionDatasetException Bad(int index, string where, string detail, Exception? inner = null) =>
        new(index, RegionDatasetProblem.BadSegmentation, $"{where}: {detail}", inner);

    private static JsonElement Field(JsonElement record, int index, JsonValueKind kind, params string[] names)
    {
        foreach (string name in names)
            if (record.TryGetProperty(name, out var value))
                return value.ValueKind == kind
                    ? value
                    : throw new RegionDatasetException(index, RegionDatasetProblem.MissingField, $"\"{name}\" must be a JSON {kind.ToString().ToLowerInvariant()}, found {value.ValueKind}");
        throw new RegionDatasetException(index, RegionDatasetProblem.MissingField, $"missing \"{string.Join("\" or \"", names)}\"");
    }

    private static string StringField(JsonElement record, int index, params string[] names)
    {
        string value = Field(record, index, JsonValueKind.String, names).GetString()!;
        return value.Length > 0 ? value : throw new RegionDatasetException(index, RegionDatasetProblem.MissingField, $"\"{names[0]}\" is empty");
    }

    private static int PositiveInt(JsonElement record, int index, string name)
    {
        var value = Field(record, index, JsonValueKind.Number, name);
        return value.TryGetInt32(out int n) && n > 0
            ? n
            : throw new RegionDatasetException(index, RegionDatasetProblem.MissingField, $"\"{name}\" must be a positive integer, found {value}");
    }
}
