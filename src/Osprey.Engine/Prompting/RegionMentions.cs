using System.Text.RegularExpressions;
using Osprey.Engine.Tokenization;

namespace Osprey.Engine.Prompting;

/// <summary>
/// User text refers to regions as <c>&lt;regionK&gt;</c> (1-based). The conversation's regions are all
/// introduced in its first turn (<see cref="ConversationTemplate.RegionIntroduction"/>), so a mention
/// becomes plain <c>regionK</c>, as Osprey's training code strips the angle brackets. This is the one
/// place that decides what user text may contain.
/// </summary>
public static partial class RegionMentions
{
    [GeneratedRegex(@"<region(\d+)>", RegexOptions.CultureInvariant)]
    private static partial Regex Mention();

    private static readonly string[] ControlTokens =
    [
        OspreyTokenizer.ImageToken, OspreyTokenizer.MaskToken, OspreyTokenizer.PosToken,
        OspreyTokenizer.BosToken, OspreyTokenizer.EosToken,
    ];

    /// <summary>The text as the model sees it: mentions as plain <c>regionK</c>.</summary>
    /// <exception cref="InvalidUserTextException">Empty text, a control token, or a mention of a region that does not exist.</exception>
    public static string Normalize(string text, int regionCount)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfNegative(regionCount);
        if (string.IsNullOrWhiteSpace(text)) throw new InvalidUserTextException("The message text is empty.");
        foreach (var token in ControlTokens)
            if (text.Contains(token, StringComparison.Ordinal))
                throw new InvalidUserTextException($"The message may not contain '{token}'; refer to regions as <region1>, <region2>, ….");
        return Mention().Replace(text, m =>
        {
            if (!int.TryParse(m.Groups[1].ValueSpan, out var k) || k < 1 || k > regionCount)
                throw new InvalidUserTextException(regionCount == 0
                    ? $"{m.Value} refers to a region, but the conversation has none."
                    : $"{m.Value} refers to a region that does not exist (there are {regionCount}: <region1>…<region{regionCount}>).");
            return RegionReference.Name(k);
        });
    }

    /// <summary>The number K of the first <c>&lt;regionK&gt;</c> the text mentions, or null when it names none.</summary>
    public static int? FirstMentioned(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var match = Mention().Match(text);
        return match.Success && int.TryParse(match.Groups[1].ValueSpan, out var k) ? k : null;
    }
}
