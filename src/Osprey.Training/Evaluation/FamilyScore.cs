using System.Text.Json.Serialization;

namespace Osprey.Training.Evaluation;

/// <summary>Score of one question family on the original masks.</summary>
public sealed record FamilyScore(
    [property: JsonPropertyName("accuracy")] double Accuracy,
    [property: JsonPropertyName("semanticIoU")] double SemanticIoU,
    [property: JsonPropertyName("n")] int N);
