using Osprey.Engine.Prompting;
using Osprey.Engine.Tokenization;
using Osprey.Training.Synthetic;

namespace Osprey.Training.Pretraining;

/// <summary>
/// Osprey's conversation layout in text alone: the prompt builder's own conversation of 1..N regions
/// and several questions naming <c>regionK</c>, with two random pool tokens standing in for each region's
/// <c>&lt;mask&gt;&lt;pos&gt;</c> pair (and a random run for the image), and every answer the pair of the
/// region its question named. Answering needs exactly the lookup a served conversation needs — find the
/// digit of <c>regionK</c> in the first turn and read the tokens that followed it — with nothing else to
/// learn, and no first-region shortcut: every region is asked about equally.
/// </summary>
public sealed class RegionRecallSequences : ILookupSequences
{
    /// <summary>Questions in the served wording; what is asked does not matter here, only which region.</summary>
    private static readonly string[] Questions =
    [
        "What is {0}?", "What colour is {0}?", "What category is {0}?", "Give a short description of {0}.",
        "What is {0}? Answer the question using a single word or phrase.",
    ];

    /// <summary>The longest random run standing in for the image's tokens.</summary>
    public const int MaxImageRun = 32;

    private readonly OspreyTokenizer _tokenizer;
    private readonly IReadOnlyList<int> _pool;
    private readonly int _maxRegions, _questions;
    private readonly bool _inChat;

    public RegionRecallSequences(OspreyTokenizer tokenizer, IReadOnlyList<int> pool, int maxRegions, int questions, bool inChat = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRegions, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxRegions, 9, nameof(maxRegions));
        ArgumentOutOfRangeException.ThrowIfLessThan(questions, 1);
        (_tokenizer, _pool, _maxRegions, _questions, _inChat) = (tokenizer, pool, maxRegions, questions, inChat);
    }

    public string Description =>
        $"region recall{(_inChat ? "" : " without the chat template")}: 1..{_maxRegions} regions, {_questions} questions, values from {_pool.Count} ids";

    public LookupSequence Draw(SeededRandom rng)
    {
        var regions = 1 + rng.Next(_maxRegions);
        var values = new int[regions][];
        for (var r = 0; r < regions; r++) values[r] = [_pool[rng.Next(_pool.Count)], _pool[rng.Next(_pool.Count)]];
        var asked = new int[_questions];
        for (var q = 0; q < _questions; q++) asked[q] = rng.Next(regions);
        var template = _tokenizer.Encode(_inChat ? Conversation(regions, asked, rng) : Bare(regions, asked), addBos: true);

        var ids = new List<long>(template.Length + MaxImageRun);
        var scored = new List<int>();
        var pair = 0;
        foreach (var id in template)
        {
            if (id == OspreyTokenizer.ImageTokenId)
            {
                var run = rng.Next(MaxImageRun + 1);
                for (var i = 0; i < run; i++) ids.Add(_pool[rng.Next(_pool.Count)]);
            }
            else if (id == _tokenizer.MaskId || id == _tokenizer.PosId)
            {
                var second = id == _tokenizer.PosId;
                var answer = pair >= regions;
                var value = values[answer ? asked[pair - regions] : pair];
                // An answer's tokens are scored: the position before each predicts it.
                if (answer) scored.Add(ids.Count - 1);
                ids.Add(value[second ? 1 : 0]);
                if (second) pair++;
            }
            else ids.Add(id);
        }
        return new LookupSequence([.. ids], [.. scored]);
    }

    /// <summary>The served layout: each question a turn, each answer the asked region's pair.</summary>
    private static string Conversation(int regions, int[] asked, SeededRandom rng)
    {
        var turns = new List<ConversationTurn>(asked.Length);
        for (var q = 0; q < asked.Length; q++)
        {
            var question = string.Format(Questions[rng.Next(Questions.Length)], RegionReference.Name(asked[q] + 1));
            turns.Add(new ConversationTurn(q == 0 ? ConversationTemplate.FirstUserMessage(regions, question) : question, RegionReference.Placeholder));
        }
        return ConversationTemplate.Build(turns);
    }

    /// <summary>The introduction, then "regionK" and its pair per question.</summary>
    private static string Bare(int regions, int[] asked) =>
        ConversationTemplate.RegionIntroduction(regions) + string.Join(" ", asked.Select(k => RegionReference.Introduced(k + 1)));
}
