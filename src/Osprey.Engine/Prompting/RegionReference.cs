namespace Osprey.Engine.Prompting;

/// <summary>
/// How prompts refer to regions: region k is introduced as <c>region{k}&lt;mask&gt;&lt;pos&gt;</c> and named
/// <c>region{k}</c> after that; the k-th <c>&lt;mask&gt;&lt;pos&gt;</c> pair of the whole prompt receives region
/// k's mask and position tokens.
/// </summary>
public static class RegionReference
{
    public const string Placeholder = "<mask><pos>";

    private const string Mask = "<mask>";
    private const string Pos = "<pos>";

    /// <summary><c>region{k}</c> for the 1-based region number k.</summary>
    public static string Name(int regionNumber)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(regionNumber, 1);
        return $"region{regionNumber}";
    }

    /// <summary><c>region{k}&lt;mask&gt;&lt;pos&gt;</c>: region k where its tokens enter the prompt.</summary>
    public static string Introduced(int regionNumber) => Name(regionNumber) + Placeholder;

    /// <summary>Number of <c>&lt;mask&gt;&lt;pos&gt;</c> pairs in the text.</summary>
    public static int CountPairs(string text) => Count(text, Placeholder);

    /// <summary>
    /// Ensures every <c>&lt;mask&gt;</c> and <c>&lt;pos&gt;</c> sits in a pair and that there is one pair per
    /// supplied region.
    /// </summary>
    public static void EnsureMatches(string prompt, int regionCount)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentOutOfRangeException.ThrowIfNegative(regionCount);
        var pairs = CountPairs(prompt);
        var masks = Count(prompt, Mask);
        var positions = Count(prompt, Pos);
        if (masks != pairs || positions != pairs)
            throw new RegionCountMismatchException(pairs, regionCount,
                $"the prompt has {masks} <mask> and {positions} <pos> but only {pairs} adjacent {Placeholder} pairs");
        if (pairs != regionCount)
            throw new RegionCountMismatchException(pairs, regionCount,
                $"the prompt refers to {pairs} region(s) ({Placeholder} pairs) but {regionCount} region(s) were supplied");
    }

    private static int Count(string text, string literal)
    {
        ArgumentNullException.ThrowIfNull(text);
        var count = 0;
        for (var at = text.IndexOf(literal, StringComparison.Ordinal); at >= 0;
             at = text.IndexOf(literal, at + literal.Length, StringComparison.Ordinal))
        {
            count++;
        }
        return count;
    }
}
