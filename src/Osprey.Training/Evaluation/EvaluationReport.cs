using System.Text.Json;
using System.Text.Json.Serialization;

namespace Osprey.Training.Evaluation;

/// <summary>
/// Result of an evaluation. Serialises to exactly
/// <c>{"families": {name: {"accuracy", "semanticIoU", "n"}}, "swapped": {name: {"accuracy", "chance", "n"}}}</c>
/// with families in ordinal name order.
/// </summary>
public sealed record EvaluationReport(
    [property: JsonPropertyName("families")] IReadOnlyDictionary<string, FamilyScore> Families,
    [property: JsonPropertyName("swapped")] IReadOnlyDictionary<string, SwappedScore> Swapped)
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    public string ToJson() => JsonSerializer.Serialize(
        new EvaluationReport(
            new SortedDictionary<string, FamilyScore>(Families.ToDictionary(), StringComparer.Ordinal),
            new SortedDictionary<string, SwappedScore>(Swapped.ToDictionary(), StringComparer.Ordinal)),
        Options);

    public static EvaluationReport FromJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var families = new SortedDictionary<string, FamilyScore>(StringComparer.Ordinal);
        foreach (var p in root.GetProperty("families").EnumerateObject())
            families[p.Name] = new FamilyScore(p.Value.GetProperty("accuracy").GetDouble(),
                p.Value.GetProperty("semanticIoU").GetDouble(), p.Value.GetProperty("n").GetInt32());
        var swapped = new SortedDictionary<string, SwappedScore>(StringComparer.Ordinal);
        foreach (var p in root.GetProperty("swapped").EnumerateObject())
            swapped[p.Name] = new SwappedScore(p.Value.GetProperty("accuracy").GetDouble(),
                p.Value.GetProperty("chance").GetDouble(), p.Value.GetProperty("n").GetInt32());
        return new EvaluationReport(families, swapped);
    }
}
