using Osprey.Engine.Prompting;
using Osprey.Engine.Tokenization;
using Osprey.Training.Data;
using ConversationTurn = Osprey.Training.Data.ConversationTurn;
using PromptTurn = Osprey.Engine.Prompting.ConversationTurn;

namespace Osprey.Training.Training;

/// <summary>
/// Renders a human/gpt conversation with the <c>osprey_v1</c> template exactly as inference does and
/// marks the answer tokens. Each answer's span is found by tokenising the prompt open at that turn's
/// <c>ASSISTANT:</c> and closed after its <c>&lt;/s&gt;</c>: the template ends both at boundaries
/// SentencePiece does not merge across, which is checked rather than assumed. The first user message
/// is built as serving builds it: <see cref="ConversationTemplate.FirstUserMessage(int, string)"/>
/// introduces the regions of an <see cref="RegionLayout.Introduced"/> conversation; an
/// <see cref="RegionLayout.Inline"/> one carries its own <c>&lt;mask&gt;&lt;pos&gt;</c> pairs.
/// </summary>
public sealed class AnswerTokenizer(OspreyTokenizer tokenizer)
{
    public TokenizedExample Tokenize(TrainingExample example) => Tokenize(example.Conversation, example.Layout, example.Regions.Count);

    public TokenizedExample Tokenize(IReadOnlyList<ConversationTurn> conversation, RegionLayout layout, int regionCount)
    {
        var turns = Pair(conversation, layout, regionCount);
        // The prompts up to each turn repeat the earlier turns' text: each text piece is encoded once.
        var memo = new Dictionary<string, IReadOnlyList<int>>(StringComparer.Ordinal);
        var full = tokenizer.Encode(ConversationTemplate.Build(turns), memo);
        var isTarget = new bool[full.Length];
        for (int k = 0; k < turns.Count; k++)
        {
            var open = turns.Take(k).Append(turns[k] with { Assistant = null }).ToList();
            var closed = turns.Take(k + 1).ToList();
            int start = PrefixLength(full, tokenizer.Encode(ConversationTemplate.Build(open), memo), k);
            int end = PrefixLength(full, tokenizer.Encode(ConversationTemplate.Build(closed), memo), k);
            if (end <= start) throw new InvalidDataException($"turn {k + 1}: the answer produced no tokens");
            for (int i = start; i < end; i++) isTarget[i] = true;
        }
        return new TokenizedExample(full, isTarget);
    }

    private static int PrefixLength(int[] full, int[] prefix, int turn)
    {
        if (prefix.Length > full.Length || !full.AsSpan(0, prefix.Length).SequenceEqual(prefix))
            throw new InvalidDataException($"turn {turn + 1}: the tokens of the conversation up to this turn are not a prefix of the whole conversation's tokens");
        return prefix.Length;
    }

    /// <summary>human/gpt alternation starting with human and ending with gpt; the first message gets the image introduction.</summary>
    private static List<PromptTurn> Pair(IReadOnlyList<ConversationTurn> conversation, RegionLayout layout, int regionCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(regionCount);
        if (conversation.Count == 0 || conversation.Count % 2 != 0)
            throw new InvalidDataException($"a training conversation needs human/gpt pairs, got {conversation.Count} turn(s)");
        var turns = new List<PromptTurn>(conversation.Count / 2);
        for (int i = 0; i < conversation.Count; i += 2)
        {
            var (human, gpt) = (conversation[i], conversation[i + 1]);
            if (human.From != ConversationTurn.Human || gpt.From != ConversationTurn.Gpt)
                throw new InvalidDataException($"turns {i + 1} and {i + 2} must be from human then gpt, got {human.From} then {gpt.From}");
            if (layout == RegionLayout.Introduced && RegionReference.CountPairs(human.Value) > 0)
                throw new InvalidDataException($"turn {i + 1} holds {RegionReference.Placeholder}: a conversation with introduced regions names them regionK");
            var user = i > 0 ? human.Value
                : layout == RegionLayout.Introduced ? ConversationTemplate.FirstUserMessage(regionCount, human.Value)
                : ConversationTemplate.FirstUserMessage(human.Value);
            turns.Add(new PromptTurn(user, gpt.Value));
        }
        return turns;
    }
}
