using System.Text.Json;
using System.Text.Json.Serialization;

namespace Osprey.Training.Evaluation;

/// <summary>
/// What an evaluation through the serving path measured: multi-region conversations (per family, and
/// per family per turn) and single questions, each with its swapped-mask check.
/// </summary>
public sealed record ServedEvaluationReport(
    [property: JsonPropertyName("conversation")] EvaluationReport Conversation,
    [property: JsonPropertyName("conversationByTurn")] IReadOnlyDictionary<string, IReadOnlyDictionary<int, FamilyScore>> ConversationByTurn,
    [property: JsonPropertyName("single")] EvaluationReport Single)
{
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
        conversationByTurn = new SortedDictionary<string, SortedDictionary<int, FamilyScore>>(
            ConversationByTurn.ToDictionary(f => f.Key, f => new SortedDictionary<int, FamilyScore>(f.Value.ToDictionary())), StringComparer.Ordinal),
        single = JsonSerializer.Deserialize<JsonElement>(Single.ToJson()),
    }, Options);
}
