using System.Text.RegularExpressions;

namespace Osprey.Engine.Prompting;

/// <summary>
/// User text refers to regions as <c>&lt;regionK&gt;</c> (1-based). Each mention becomes
/// <c>regionK&lt;mask&gt;&lt;pos&gt;</c>, and because the k-th placeholder pair of a prompt takes the k-th
/// region tokens supplied, the mentions' order (repeats included) is the order to supply them in.
/// </summary>
public static partial class RegionMentions
{
    [GeneratedRegex(@"<region(\d+)>", RegexOptions.CultureInvariant)]
    private static partial Regex Mention();

    /// <summary>The text with mentions expanded, and the 0-based region index of each placeholder pair in order.</summary>
    public static (string Text, IReadOnlyList<int> RegionOrder) Expand(string text, int regionCount)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Contains("<mask>", StringComparison.Ordinal) || text.Contains("<pos>", StringComparison.Ordinal))
            throw new RegionCountMismatchException(0, regionCount, "write regions as <region1>, <region2>, …; raw <mask>/<pos> tokens are not accepted in user text");
        var order = new List<int>();
        var expanded = Mention().Replace(text, m =>
        {
            if (!int.TryParse(m.Groups[1].ValueSpan, out var k) || k < 1 || k > regionCount)
                throw new RegionCountMismatchException(k, regionCount,
                    regionCount == 0
                        ? $"{m.Value} refers to a region, but there are none"
                        : $"{m.Value} refers to a region that does not exist (there are {regionCount}: <region1>…<region{regionCount}>)");
            order.Add(k - 1);
            return RegionReference.Name(k);
        });
        return (expanded, order);
    }
}
