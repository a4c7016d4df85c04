using System.Globalization;

namespace Osprey.Training.Synthetic.QuestionFamilies;

/// <summary>
/// A "FAMILY=NUMBER,…" list as options write it (family weights, accuracy bars): each name must be a
/// known question family, once, and is returned spelt as the family spells it.
/// </summary>
public static class FamilyNumbers
{
    /// <param name="what">What one item is, for errors ("family weight").</param>
    /// <param name="example">A valid item, for errors ("yesno=3"); its number's name is <paramref name="numberName"/>.</param>
    /// <param name="alsoKnown">Names besides the families' that are valid here.</param>
    public static IReadOnlyDictionary<string, double> Parse(string text, string what, string numberName, string example, IEnumerable<string>? alsoKnown = null)
    {
        var known = SyntheticDatasetBuilder.NameableFamilies().Select(f => f.Name).Concat(alsoKnown ?? []).ToList();
        var numbers = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
        foreach (var item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = item.Split('=', StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
                throw new ArgumentException($"{what} '{item}': write FAMILY={numberName}, e.g. {example}");
            var name = known.FirstOrDefault(k => string.Equals(k, parts[0], StringComparison.OrdinalIgnoreCase))
                ?? throw new ArgumentException($"unknown question family '{parts[0]}': use {string.Join(", ", known)}");
            if (!numbers.TryAdd(name, number)) throw new ArgumentException($"family '{name}' is given twice");
        }
        return numbers;
    }
}
