using Osprey.Engine.Serving;
using Osprey.Engine.Tokenization;

namespace OspreyCluster.Grains.Conversations;

/// <summary>
/// Builds a conversation's prompt ids segment by segment, in the osprey_v1 layout
/// <c>{prefix}{user_1} ASSISTANT: {answer_1}&lt;/s&gt;USER: {user_2} ASSISTANT:</c>, so turn k's ids extend
/// turn k-1's ids plus its answer exactly — which is what lets a KV cache carry over between turns.
/// Answers enter as the sampled ids themselves, never as re-tokenized text.
/// </summary>
public sealed class ConversationPrompt
{
    private readonly OspreyTokenizer _tokenizer;
    private readonly List<int> _ids;
    private readonly List<int> _regionOrder = [];
    private int _turns;

    public ConversationPrompt(ImagePromptPrefix prefix, OspreyTokenizer tokenizer)
    {
        _tokenizer = tokenizer;
        _ids = [.. prefix.Ids];
    }

    public IReadOnlyList<int> Ids => _ids;
    public IReadOnlyList<int> RegionOrder => _regionOrder;

    /// <summary>Appends a user message (already expanded) up to and including "ASSISTANT:".</summary>
    public void AddUser(string expandedText, IReadOnlyList<int> regionOrder)
    {
        var segment = _turns == 0 ? $"{expandedText} ASSISTANT:" : $"USER: {expandedText} ASSISTANT:";
        _ids.AddRange(_tokenizer.Encode(segment, addBos: false));
        _regionOrder.AddRange(regionOrder);
        _turns++;
    }

    /// <summary>Appends a completed answer and the end-of-turn separator.</summary>
    public void AddAnswer(IReadOnlyList<int> answerIds)
    {
        _ids.AddRange(answerIds);
        _ids.Add(_tokenizer.EosId);
    }
}
