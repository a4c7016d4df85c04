using System.Text.Json;

namespace Osprey.Engine.Tests.Tokenization;

/// <summary>The cases of <c>tokenizer_cases.json</c>, as xunit theory data.</summary>
public static class TokenizerCases
{
    public sealed record Case(string Text, int[] Ids, int[] PlainSpIds);

    public static IReadOnlyList<Case> All { get; } = Read();

    public static TheoryData<int> Indices()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < All.Count; i++) data.Add(i);
        return data;
    }

    private static IReadOnlyList<Case> Read()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(FixturePaths.File("tokenizer_cases.json")));
        return doc.RootElement.GetProperty("cases").EnumerateArray()
            .Select(c => new Case(
                c.GetProperty("text").GetString()!,
                c.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
                c.GetProperty("plain_sp_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray()))
            .ToList();
    }
}
