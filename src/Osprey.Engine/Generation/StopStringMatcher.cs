using System.Text;

namespace Osprey.Engine.Generation;

/// <summary>
/// Watches streamed text for stop strings that may be split across pieces. Text is released as
/// soon as it can no longer be the start of a stop string; text that might be is held back, so a
/// stop string never leaks into the output, even partially.
/// </summary>
public sealed class StopStringMatcher
{
    private readonly string[] _stopStrings;
    private readonly StringBuilder _held = new();

    public StopStringMatcher(IEnumerable<string> stopStrings)
    {
        ArgumentNullException.ThrowIfNull(stopStrings);
        _stopStrings = stopStrings.ToArray();
        if (_stopStrings.Any(string.IsNullOrEmpty))
            throw new ArgumentException("stop strings must be non-empty", nameof(stopStrings));
    }

    public bool Stopped { get; private set; }

    public StopStringMatch Push(string piece)
    {
        ArgumentNullException.ThrowIfNull(piece);
        if (Stopped) throw new InvalidOperationException("a stop string has already ended this stream");
        _held.Append(piece);
        var text = _held.ToString();

        var (stopAt, stop) = EarliestStop(text);
        if (stop is not null)
        {
            Stopped = true;
            _held.Clear();
            return new StopStringMatch(text[..stopAt], stop);
        }

        var keep = LongestSuffixStartingAStop(text);
        _held.Clear().Append(text, text.Length - keep, keep);
        return new StopStringMatch(text[..^keep], null);
    }

    /// <summary>Releases held text when the stream ends without a stop string.</summary>
    public string Flush()
    {
        var text = _held.ToString();
        _held.Clear();
        return text;
    }

    private (int Index, string? Stop) EarliestStop(string text)
    {
        var best = (Index: int.MaxValue, Stop: (string?)null);
        foreach (var stop in _stopStrings)
        {
            var at = text.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && at < best.Index) best = (at, stop);
        }
        return best;
    }

    /// <summary>Length of the longest suffix of text that is a proper prefix of some stop string.</summary>
    private int LongestSuffixStartingAStop(string text)
    {
        var longest = 0;
        foreach (var stop in _stopStrings)
        {
            for (var length = Math.Min(stop.Length - 1, text.Length); length > longest; length--)
            {
                if (string.CompareOrdinal(text, text.Length - length, stop, 0, length) == 0)
                {
                    longest = length;
                    break;
                }
            }
        }
        return longest;
    }
}
