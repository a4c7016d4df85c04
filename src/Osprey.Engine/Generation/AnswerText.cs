using System.Text;
using Osprey.Engine.Tokenization;

namespace Osprey.Engine.Generation;

/// <summary>
/// The text of an answer as its tokens are sampled: each token releases the text it completes, less
/// what might still become a multi-byte character or the start of a stop string; a stop string ends
/// the answer and is never part of it.
/// </summary>
public sealed class AnswerText(OspreyTokenizer tokenizer, IReadOnlyList<string> stopStrings)
{
    private readonly StreamingDetokenizer _detokenizer = new(tokenizer);
    private readonly StopStringMatcher _stops = new(stopStrings);
    private readonly StringBuilder _released = new();

    /// <summary>Set once a stop string ended the answer.</summary>
    public string? StopString { get; private set; }

    /// <summary>All text released so far.</summary>
    public string Released => _released.ToString();

    /// <summary>The text a newly sampled token releases (possibly empty).</summary>
    public string Push(int tokenId)
    {
        var match = _stops.Push(_detokenizer.Push(tokenId));
        StopString = match.StopString;
        _released.Append(match.Text);
        return match.Text;
    }

    /// <summary>What was held back, once the answer ends without a stop string.</summary>
    public string Flush()
    {
        if (StopString is not null) return "";
        var tail = _stops.Push(_detokenizer.Flush()).Text + _stops.Flush();
        _released.Append(tail);
        return tail;
    }
}
