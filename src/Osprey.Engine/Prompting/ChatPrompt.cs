using Osprey.Engine.Tokenization;

namespace Osprey.Engine.Prompting;

/// <summary>
/// The ids of a served prompt and which region each of its <c>&lt;mask&gt;&lt;pos&gt;</c> pairs takes.
/// A conversation grows turn by turn, and turn k's ids extend turn k-1's ids and answer exactly
/// (answers enter as the sampled ids themselves, never re-tokenized), which is what lets a KV cache
/// carry over between turns. The ids equal those of <see cref="ConversationTemplate.Build"/>'s text
/// tokenized whole, up to the open <c>ASSISTANT:</c>.
/// </summary>
public sealed class ChatPrompt
{
    private readonly OspreyTokenizer _tokenizer;
    private readonly List<int> _ids = [];
    private readonly List<int> _regionOrder = [];

    private ChatPrompt(OspreyTokenizer tokenizer, int regionCount)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentOutOfRangeException.ThrowIfNegative(regionCount);
        _tokenizer = tokenizer;
        RegionCount = regionCount;
    }

    public IReadOnlyList<int> Ids => _ids;

    /// <summary>For the k-th <c>&lt;mask&gt;&lt;pos&gt;</c> pair of the prompt, the 0-based index of its region.</summary>
    public IReadOnlyList<int> RegionOrder => _regionOrder;

    public int RegionCount { get; }

    /// <summary>User messages added so far.</summary>
    public int Turns { get; private set; }

    /// <summary>True when the prompt ends at an <c>ASSISTANT:</c> that awaits its answer.</summary>
    public bool AwaitsAnswer { get; private set; }

    /// <summary>A region conversation: its first user message introduces every region (spec §6).</summary>
    public static ChatPrompt Conversation(OspreyTokenizer tokenizer, int regionCount) => new(tokenizer, regionCount);

    /// <summary>
    /// A conversation with its completed turns (user text as the user wrote it, answers as their ids)
    /// and the question being asked.
    /// </summary>
    public static ChatPrompt Conversation(OspreyTokenizer tokenizer, int regionCount,
        IEnumerable<(string UserText, IReadOnlyList<int> AnswerIds)> history, string question)
    {
        var prompt = Conversation(tokenizer, regionCount);
        foreach (var (user, answer) in history)
        {
            prompt.AddUser(user);
            prompt.AddAnswer(answer);
        }
        prompt.AddUser(question);
        return prompt;
    }

    /// <summary>
    /// Osprey's single-region question in the demo's layout, the region's pair inside the question
    /// (<see cref="DescriptionQuestions"/>).
    /// </summary>
    public static ChatPrompt SingleRegion(OspreyTokenizer tokenizer, string question)
    {
        ArgumentNullException.ThrowIfNull(question);
        RegionReference.EnsureMatches(question, 1);
        var prompt = new ChatPrompt(tokenizer, 1);
        prompt._ids.AddRange(tokenizer.Encode(ConversationTemplate.OpenFirstTurn(ConversationTemplate.FirstUserMessage(question))));
        prompt._regionOrder.Add(0);
        prompt.Turns = 1;
        prompt.AwaitsAnswer = true;
        return prompt;
    }

    /// <summary>
    /// An already templated prompt (<c>osprey infer</c>): taken as it is, BOS added, the k-th
    /// <c>&lt;mask&gt;&lt;pos&gt;</c> pair taking region k.
    /// </summary>
    /// <exception cref="RegionCountMismatchException">The prompt's pairs do not match <paramref name="regionCount"/>.</exception>
    public static ChatPrompt Raw(OspreyTokenizer tokenizer, string templatedPrompt, int regionCount)
    {
        ArgumentNullException.ThrowIfNull(templatedPrompt);
        RegionReference.EnsureMatches(templatedPrompt, regionCount);
        var prompt = new ChatPrompt(tokenizer, regionCount);
        prompt._ids.AddRange(tokenizer.Encode(templatedPrompt));
        prompt._regionOrder.AddRange(Enumerable.Range(0, regionCount));
        prompt.Turns = 1;
        prompt.AwaitsAnswer = true;
        return prompt;
    }

    /// <summary>Appends a user message, written with <c>&lt;regionK&gt;</c> mentions, up to its open <c>ASSISTANT:</c>.</summary>
    /// <exception cref="InvalidUserTextException">The text is empty, holds a control token or names a region that does not exist.</exception>
    public void AddUser(string userText)
    {
        if (AwaitsAnswer) throw new InvalidOperationException("The previous question has no answer yet.");
        var text = RegionMentions.Normalize(userText, RegionCount);
        if (Turns == 0)
        {
            _ids.AddRange(_tokenizer.Encode(ConversationTemplate.OpenFirstTurn(ConversationTemplate.FirstUserMessage(RegionCount, text))));
            _regionOrder.AddRange(Enumerable.Range(0, RegionCount));
        }
        else
        {
            _ids.AddRange(_tokenizer.Encode(ConversationTemplate.OpenTurn(text), addBos: false));
        }
        Turns++;
        AwaitsAnswer = true;
    }

    /// <summary>Appends an answer's sampled ids (without end-of-sequence) and the end of its turn.</summary>
    public void AddAnswer(IReadOnlyList<int> answerIds)
    {
        ArgumentNullException.ThrowIfNull(answerIds);
        if (!AwaitsAnswer) throw new InvalidOperationException("There is no open question to answer.");
        _ids.AddRange(answerIds);
        _ids.Add(_tokenizer.EosId);
        AwaitsAnswer = false;
    }
}
