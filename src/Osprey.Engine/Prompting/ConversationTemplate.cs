using System.Text;

namespace Osprey.Engine.Prompting;

/// <summary>
/// The text of every Osprey prompt: the <c>osprey_v1</c> (Vicuna v1) chat template
/// <c>{system} USER: {user_1} ASSISTANT: {answer_1}&lt;/s&gt;USER: {user_2} ASSISTANT:</c>, whose first user
/// message starts with the image introduction and, in a region conversation, Osprey's introduction of
/// every region (spec §6).
/// </summary>
public static class ConversationTemplate
{
    public const string Name = "osprey_v1";

    public const string SystemText =
        "A chat between a curious human and an artificial intelligence assistant. " +
        "The assistant gives helpful, detailed, and polite answers to the human's questions.";

    /// <summary>How the first user message of every Osprey chat begins.</summary>
    public const string ImageIntro = "<image>\n\nThis provides an overview of the picture.\n";

    /// <summary>
    /// The text every chat about one image starts with. Its token ids are a prefix of the ids of any
    /// prompt built here (it ends in "\n", a byte-fallback piece SentencePiece never merges with what
    /// follows), so the KV cache of this prefix can be computed once per image and shared.
    /// </summary>
    public const string SharedImagePrefix = SystemText + " " + UserRole + ImageIntro;

    internal const string UserRole = "USER: ";
    internal const string AssistantRole = "ASSISTANT:";
    internal const string TurnEnd = "</s>";

    /// <summary>
    /// Osprey's introduction of a conversation's regions, exactly as its training code
    /// (<c>osprey_724k.py</c>) writes it, misspelling included:
    /// <c>Ther are 2 part regions in the picture: region1&lt;mask&gt;&lt;pos&gt;,region2&lt;mask&gt;&lt;pos&gt;. </c>
    /// Empty for no regions. The k-th pair receives region k's tokens, so every later mention of a
    /// region is plain text (<c>region2</c>).
    /// </summary>
    public static string RegionIntroduction(int regionCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(regionCount);
        if (regionCount == 0) return "";
        var entries = string.Join(",", Enumerable.Range(1, regionCount).Select(RegionReference.Introduced));
        return regionCount == 1
            ? $"Ther are 1 part region in the picture: {entries}. "
            : $"Ther are {regionCount} part regions in the picture: {entries}. ";
    }

    /// <summary>The first user message of a chat: the image introduction, the regions' introduction, then the question.</summary>
    public static string FirstUserMessage(int regionCount, string question)
    {
        ArgumentNullException.ThrowIfNull(question);
        return ImageIntro + RegionIntroduction(regionCount) + question;
    }

    /// <summary>The first user message of a prompt that places its own <c>&lt;mask&gt;&lt;pos&gt;</c> pairs (describe, raw prompts).</summary>
    public static string FirstUserMessage(string question) => FirstUserMessage(0, question);

    /// <summary>
    /// Builds the prompt. Every turn but the last must carry its answer; a last turn without an
    /// answer leaves the prompt open at <c>ASSISTANT:</c> for generation.
    /// </summary>
    public static string Build(IReadOnlyList<ConversationTurn> turns)
    {
        ArgumentNullException.ThrowIfNull(turns);
        if (turns.Count == 0) throw new ArgumentException("a conversation needs at least one turn", nameof(turns));
        if (!turns[0].User.StartsWith(ImageIntro, StringComparison.Ordinal))
            throw new ArgumentException($"the first user message must begin with the image introduction {Quote(ImageIntro)}", nameof(turns));

        var prompt = new StringBuilder(SystemText).Append(' ');
        for (var i = 0; i < turns.Count; i++)
        {
            var turn = turns[i];
            ArgumentNullException.ThrowIfNull(turn.User, $"{nameof(turns)}[{i}].{nameof(ConversationTurn.User)}");
            if (turn.Assistant is null && i < turns.Count - 1)
                throw new ArgumentException($"turn {i + 1} of {turns.Count} has no answer; only the last turn may be open", nameof(turns));
            if (i > 0 && turn.User.Contains("<image>", StringComparison.Ordinal))
                throw new ArgumentException($"turn {i + 1} mentions <image>; the image belongs to the first turn only", nameof(turns));

            prompt.Append(OpenTurn(turn.User));
            if (turn.Assistant is not null) prompt.Append(' ').Append(turn.Assistant).Append(TurnEnd);
        }
        return prompt.ToString();
    }

    /// <summary>
    /// The text of the first turn up to its open <c>ASSISTANT:</c>, from the very start of the prompt.
    /// Its ids are those of the whole prompt's first turn: text is tokenized per piece between special
    /// tokens, and this text ends where the next piece starts only after the answer's <c>&lt;/s&gt;</c>.
    /// </summary>
    public static string OpenFirstTurn(string firstUserMessage) => SystemText + " " + OpenTurn(firstUserMessage);

    /// <summary>
    /// A later turn's text up to its open <c>ASSISTANT:</c>. It follows the previous answer's
    /// <c>&lt;/s&gt;</c>, a special token, so its ids do not depend on what came before.
    /// </summary>
    public static string OpenTurn(string userMessage) => UserRole + userMessage + " " + AssistantRole;

    private static string Quote(string s) => "\"" + s.Replace("\n", "\\n") + "\"";
}
