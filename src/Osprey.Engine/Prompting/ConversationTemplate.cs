using System.Text;

namespace Osprey.Engine.Prompting;

/// <summary>
/// The <c>osprey_v1</c> (Vicuna v1) chat template:
/// <c>{system} USER: {user_1} ASSISTANT: {answer_1}&lt;/s&gt;USER: {user_2} ASSISTANT:</c>.
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

    private const string UserRole = "USER: ";
    private const string AssistantRole = "ASSISTANT:";
    private const string TurnEnd = "</s>";

    /// <summary>The first user message of a chat: the image introduction, then the question.</summary>
    public static string FirstUserMessage(string question)
    {
        ArgumentNullException.ThrowIfNull(question);
        return ImageIntro + question;
    }

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

            prompt.Append(UserRole).Append(turn.User).Append(' ').Append(AssistantRole);
            if (turn.Assistant is not null) prompt.Append(' ').Append(turn.Assistant).Append(TurnEnd);
        }
        return prompt.ToString();
    }

    private static string Quote(string s) => "\"" + s.Replace("\n", "\\n") + "\"";
}
