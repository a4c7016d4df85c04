using System.Text.RegularExpressions;
using Osprey.Training.Data;

namespace Osprey.Training.Training;

/// <summary>
/// A training term on where the decoder looks: at every position that predicts an answer about
/// <c>regionK</c> (a turn whose question names exactly one region), one head of one layer (or all of
/// them) is taught to attend to the <c>&lt;mask&gt;&lt;pos&gt;</c> pair the first turn introduced as regionK:
/// the negative log of the attention mass on those positions, times <see cref="Weight"/>. The answer
/// loss alone leaves a small decoder reading region1 whatever K is (the default model's README); this
/// gives the lookup a direct gradient instead of waiting for it to be discovered. With
/// <see cref="Circuit"/> the two attentions the lookup needs below it are taught too, in layer 0: head 0
/// at each <c>&lt;mask&gt;</c> looks at the number before it (so the region's key can carry K), head 1 at
/// each answer row looks at the number its question named (so the query can). Conversations in the
/// introduced layout only; the model's architecture and inference are unchanged. With
/// <see cref="Word"/> layer 0's head 2 is also taught, at each such answer row, to look at the words the
/// question asks about the region ("red" in "Is region3 red?"): without it a yes/no question about a
/// colour was answered from the region alone, the asked colour never reaching the answer.
/// </summary>
public sealed partial record RegionAttention(double Weight, int Layer, int Head, bool AfterPair = false, bool Circuit = false, bool Word = false)
{
    /// <summary>A <see cref="Head"/> that teaches every head of the layer, the term averaged over them.</summary>
    public const int AllHeads = -1;

    /// <summary>
    /// The positions taught, relative to the region's <c>&lt;mask&gt;</c>: the pair itself, or (with
    /// <see cref="AfterPair"/>) the word-scale token after it ("," or "."), which a layer below could make
    /// carry both the region's number (three back) and its features (two back) at a norm a key can use.
    /// </summary>
    public int[] Offsets => AfterPair ? [2] : [0, 1];

    public void Validate(int layers, int heads)
    {
        if (!(Weight > 0) || double.IsInfinity(Weight)) throw new ArgumentOutOfRangeException(nameof(Weight), Weight, "must be positive");
        if (Layer < 0 || Layer >= layers) throw new ArgumentOutOfRangeException(nameof(Layer), Layer, $"the model has layers 0..{layers - 1}");
        if (Head < AllHeads || Head >= heads) throw new ArgumentOutOfRangeException(nameof(Head), Head, $"the model has heads 0..{heads - 1} (or {AllHeads}: every head)");
        if (Circuit && (Layer == 0 || heads < 2))
            throw new ArgumentException("the circuit teaches heads 0 and 1 of layer 0: the lookup must be in a later layer of a model with two heads or more");
        if (Word && (Layer == 0 || heads < 3))
            throw new ArgumentException("the asked words are taught to head 2 of layer 0: the lookup must be in a later layer of a model with three heads or more");
    }

    /// <summary>
    /// The rows of one conversation the lookup teaches, at the sequence positions <paramref name="starts"/>
    /// gives its ids (<see cref="Osprey.Engine.Prompting.PromptPositions.Starts"/>): each row that predicts
    /// a token of an answer whose question names exactly one region, with the position of that region's
    /// <c>&lt;mask&gt;</c> (its <c>&lt;pos&gt;</c> follows), of the number the question named it by, and of
    /// the words between that number and the question mark that ends its sentence (<paramref name="questionMarkId"/>;
    /// none when the number ends it). None for a conversation in the inline layout.
    /// </summary>
    public static IReadOnlyList<RegionLook> Looks(TrainingExample example, TokenizedExample tokens, IReadOnlyList<int> starts, int maskId,
        int questionMarkId = -1)
    {
        var looks = new List<RegionLook>();
        if (example.Layout != RegionLayout.Introduced) return looks;
        var masks = new List<int>();
        int turn = -1, questionNumber = -1, wordStart = -1, wordCount = 0;
        int? region = null;
        for (var i = 0; i < tokens.Ids.Length; i++)
        {
            if (tokens.Ids[i] == maskId) masks.Add(i);
            if (!tokens.IsTarget[i]) continue;
            // A run of answer tokens is one gpt turn; its question is the human turn before it.
            if (i == 0 || !tokens.IsTarget[i - 1])
            {
                region = NamedRegion(example.Conversation[2 * ++turn].Value);
                (questionNumber, wordStart, wordCount) = (-1, -1, 0);
                if (region is { } named && named <= masks.Count)
                {
                    // The introduction wrote "regionK<mask>": the id before the K-th <mask> is K's number, which the question repeats.
                    var number = tokens.Ids[masks[named - 1] - 1];
                    var index = -1;
                    for (var j = i - 1; j > masks[^1] && index < 0; j--)
                        if (tokens.Ids[j] == number) index = j;
                    if (index >= 0)
                    {
                        questionNumber = starts[index];
                        var end = index + 1;
                        while (end < i && tokens.Ids[end] != questionMarkId) end++;
                        if (end < i && end > index + 1) (wordStart, wordCount) = (starts[index + 1], end - index - 1);
                    }
                }
            }
            if (region is { } k && k <= masks.Count && questionNumber >= 0)
                looks.Add(new RegionLook(starts[i] - 1, starts[masks[k - 1]], k, questionNumber, wordStart, wordCount));
        }
        return looks;
    }

    /// <summary>Every attention this term teaches in one conversation (none in the inline layout), at the positions <paramref name="starts"/> gives its ids.</summary>
    public IEnumerable<AttentionTarget> Targets(TrainingExample example, TokenizedExample tokens, IReadOnlyList<int> starts, int maskId, int questionMarkId)
    {
        if (example.Layout != RegionLayout.Introduced) return [];
        var masks = Enumerable.Range(0, tokens.Ids.Length).Where(i => tokens.Ids[i] == maskId).Select(i => starts[i]).ToList();
        return Targets(Looks(example, tokens, starts, maskId, questionMarkId), masks);
    }

    /// <summary>
    /// Every attention this term teaches in one conversation: the lookups of <paramref name="looks"/> and,
    /// with <see cref="Circuit"/>, layer 0's number heads (<paramref name="masks"/>: the conversation's
    /// <c>&lt;mask&gt;</c> positions in order).
    /// </summary>
    public IEnumerable<AttentionTarget> Targets(IReadOnlyList<RegionLook> looks, IReadOnlyList<int> masks)
    {
        foreach (var look in looks)
            yield return new AttentionTarget(Layer, Head, look.Row, [.. Offsets.Select(o => look.Mask + o)], look.Region);
        if (Circuit)
        {
            for (var r = 0; r < masks.Count; r++) yield return new AttentionTarget(0, 0, masks[r], [masks[r] - 1], r + 1);
            foreach (var look in looks) yield return new AttentionTarget(0, 1, look.Row, [look.QuestionNumber], look.Region);
        }
        if (!Word) yield break;
        foreach (var look in looks.Where(l => l.WordCount > 0))
            yield return new AttentionTarget(0, 2, look.Row, [.. Enumerable.Range(look.WordStart, look.WordCount)], look.Region);
    }

    /// <summary>The one region a question names (1-based), or null when it names none or several.</summary>
    public static int? NamedRegion(string question)
    {
        var named = RegionName().Matches(question).Select(m => int.Parse(m.Groups[1].Value)).Distinct().ToList();
        return named.Count == 1 ? named[0] : null;
    }

    // The checkpoint records this term's description, so runs without Word keep the one they had.
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"Weight = {Weight}, Layer = {Layer}, Head = {Head}, AfterPair = {AfterPair}, Circuit = {Circuit}, ");
        if (Word) builder.Append("Word = True, ");
        builder.Append($"Offsets = {Offsets}");
        return true;
    }

    [GeneratedRegex(@"\bregion(\d+)\b")]
    private static partial Regex RegionName();
}

/// <summary>
/// A row that predicts an answer token about <see cref="Region"/>, the position of that region's
/// <c>&lt;mask&gt;</c>, of the number its question named it by, and of the <see cref="WordCount"/> words the
/// question asks about it from <see cref="WordStart"/> on (none: −1, 0).
/// </summary>
public readonly record struct RegionLook(int Row, int Mask, int Region, int QuestionNumber, int WordStart = -1, int WordCount = 0);

/// <summary>Where <see cref="Head"/> (or every head) of <see cref="Layer"/> is taught to look from <see cref="Row"/>: its mass on <see cref="Positions"/>.</summary>
public sealed record AttentionTarget(int Layer, int Head, int Row, int[] Positions, int Region);
