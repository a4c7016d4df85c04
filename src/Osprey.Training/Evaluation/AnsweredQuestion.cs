using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Osprey.Training.Evaluation;

/// <summary>
/// One scored question as the harness saw it, for reading a model's mistakes rather than only its
/// accuracy: the answer given, and (when the sample has them) the answer given with the masks swapped.
/// </summary>
public sealed record AnsweredQuestion(
    [property: JsonPropertyName("family")] string Family,
    [property: JsonPropertyName("question")] string Question,
    [property: JsonPropertyName("expected")] string Expected,
    [property: JsonPropertyName("answer")] string Answer,
    [property: JsonPropertyName("correct")] bool Correct)
{
    // Relaxed escaping keeps "<mask><pos>" readable: the log is read by people and JSON tools, never embedded in HTML.
    private static readonly JsonSerializerOptions Options = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Which table of a served evaluation the question counts in, when it was one.</summary>
    [JsonPropertyName("table")]
    public string? Table { get; init; }

    /// <summary>The question's turn in its conversation (1-based), in a served evaluation.</summary>
    [JsonPropertyName("turn")]
    public int? Turn { get; init; }

    [JsonPropertyName("swappedAnswer")]
    public string? SwappedAnswer { get; init; }

    /// <summary>One line of a JSON-lines answer log; the swapped answer only when there was one.</summary>
    public string ToJsonLine() => JsonSerializer.Serialize(this, Options);
}
