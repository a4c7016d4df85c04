using System.Text.Json;
using System.Text.Json.Serialization;

namespace Osprey.Training.Evaluation;

/// <summary>
/// What an evaluation through the serving path measured: multi-region conversations (per family, per
/// family per turn, and per family per region number the question names) and single questions, each
/// with its swapped-mask check.
/// </summary>
public sealed record ServedEvaluationReport(
    [property: JsonPropertyName("conversation")] EvaluationReport Conversation,
    [property: JsonPropertyName("conversationByTurn")] IReadOnlyDictionary<string, IReadOnlyDictionary<int, FamilyScore>> ConversationByTurn,
    [property: JsonPropertyName("single")] EvaluationReport Single)
{
    /// <summary>
    /// Conversation scores by the region number K of the <c>&lt;regionK&gt;</c> a question names first (0: it
    /// names none, a follow-up about "it"). A model that reads one region whatever K is shows here.
    /// </summary>
    [JsonPropertyName("conversationByRegion")]
    public IReadOnlyDictionary<string, IReadOnlyDictionary<int, FamilyScore>> ConversationByRegion { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<int, FamilyScore>>();

    public const string WhatIsNamesCategory = Synthetic.QuestionFamilies.QuestionFamily.WhatIsNamesCategory;

    /// <summary>
    /// The scores accuracy bars are held against: a family's conversation score, or its single-question
    /// score when conversations did not ask it.
    /// </summary>
    public EvaluationReport ForBars()
    {
        var families = Conversation.Families.ToDictionary();
        foreach (var (name, score) in Single.Families) families.TryAdd(name, score);
        return new EvaluationReport(families, Conversation.Swapped);
    }

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    public string ToJson() => JsonSerializer.Serialize(new
    {
        conversation = JsonSerializer.Deserialize<JsonElement>(Conversation.ToJson()),
        conversationByTurn = Sorted(ConversationByTurn),
        conversationByRegion = Sorted(ConversationByRegion),
        single = JsonSerializer.Deserialize<JsonElement>(Single.ToJson()),
    }, Options);

    private static SortedDictionary<string, SortedDictionary<int, FamilyScore>> Sorted(IReadOnlyDictionary<string, IReadOnlyDictionary<int, FamilyScore>> scores) =>
        new(scores.ToDictionary(f => f.Key, f => new SortedDictionary<int, FamilyScore>(f.Value.ToDictionary())), StringComparer.Ordinal);
}
