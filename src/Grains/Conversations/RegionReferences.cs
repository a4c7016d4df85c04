using System.Text.RegularExpressions;
using OspreyCluster.Grains.Interfaces;

namespace OspreyCluster.Grains.Conversations;

/// <summary>
/// Rewrites a user message's <c>&lt;regionK&gt;</c> references into Osprey's <c>regionK&lt;mask&gt;&lt;pos&gt;</c>
/// and lists, in order, which region each inserted pair stands for.
/// </summary>
public static partial class RegionReferences
{
    private static readonly string[] Reserved = ["<image>", "<mask>", "<pos>", "<s>", "</s>"];

    [GeneratedRegex(@"<region(\d+)>")]
    private static partial Regex Reference();

    public static (string Text, IReadOnlyList<int> RegionOrder) Expand(string text, int regionCount)
    {
        if (string.IsNullOrWhiteSpace(text)) throw new OspreyRequestException(400, "The message text is empty.");
        foreach (var token in Reserved)
            if (text.Contains(token, StringComparison.Ordinal))
                throw new OspreyRequestException(400, $"The message may not contain '{token}'; refer to regions as <region1>, <region2>, ….");
        var order = new List<int>();
        var expanded = Reference().Replace(text, match =>
        {
            if (!int.TryParse(match.Groups[1].ValueSpan, out var k) || k < 1 || k > regionCount)
                throw new OspreyRequestException(400, $"{match.Value} does not exist: the conversation has {regionCount} region(s).");
            order.Add(k - 1);
            return $"region{k}<mask><pos>";
        });
        return (expanded, order);
    }
}
