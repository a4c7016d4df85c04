namespace Osprey.Engine.Tokenization;

/// <summary>
/// Splits prompt text on the literal special tokens of spec §6 (leftmost match, no whitespace
/// stripping), the way Osprey's prompt tokenization isolates them before SentencePiece sees the text.
/// </summary>
public sealed class SpecialTokenSplitter
{
    private readonly (string Literal, int Id)[] _specials;
    private readonly HashSet<char> _firstChars;

    public SpecialTokenSplitter(IEnumerable<KeyValuePair<string, int>> specials)
    {
        // Longest first so that, at one position, a literal never shadows a longer one it prefixes.
        _specials = specials
            .Select(kv => (kv.Key, kv.Value))
            .OrderByDescending(s => s.Key.Length)
            .ToArray();
        if (_specials.Any(s => s.Literal.Length == 0))
            throw new ArgumentException("special token literals must be non-empty", nameof(specials));
        _firstChars = _specials.Select(s => s.Literal[0]).ToHashSet();
    }

    public IReadOnlyList<PromptSegment> Split(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var segments = new List<PromptSegment>();
        var start = 0;
        var pos = 0;
        while (pos < text.Length)
        {
            var match = MatchAt(text, pos);
            if (match is null)
            {
                pos++;
                continue;
            }
            if (pos > start) segments.Add(PromptSegment.Plain(text[start..pos]));
            segments.Add(PromptSegment.Special(match.Value.Id));
            pos += match.Value.Literal.Length;
            start = pos;
        }
        if (start < text.Length) segments.Add(PromptSegment.Plain(text[start..]));
        return segments;
    }

    private (string Literal, int Id)? MatchAt(string text, int pos)
    {
        if (!_firstChars.Contains(text[pos])) return null;
        foreach (var special in _specials)
        {
            if (string.CompareOrdinal(text, pos, special.Literal, 0, special.Literal.Length) == 0)
                return special;
        }
        return null;
    }
}
