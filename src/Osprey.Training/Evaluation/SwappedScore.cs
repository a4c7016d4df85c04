using System.Text.Json.Serialization;

namespace Osprey.Training.Evaluation;

/// <summary>
/// Accuracy of one family against the original answers when the regions' masks were swapped to other
/// objects of the same scene, next to the family's chance level. A model that reads the mask falls to
/// about chance; one that answers from priors or the question text stays high.
/// </summary>
public sealed record SwappedScore(
    [property: JsonPropertyName("accuracy")] double Accuracy,
    [property: JsonPropertyName("chance")] double Chance,
    [property: JsonPropertyName("n")] int N);
