using System.Text.Json;
using Osprey.Engine.Prompting;

namespace Osprey.Engine.Tests.Prompting;

/// <summary>The prompt side of each <c>osprey-tiny/cases/*/case.json</c>.</summary>
public static class PromptCases
{
    public sealed record Case(string Name, ConversationTurn[] Turns, string Prompt, int[] InputIds, int MaskCount);

    public static IReadOnlyDictionary<string, Case> All { get; } = Read();

    public static TheoryData<string> Names() => new(All.Keys.Order());

    private static Dictionary<string, Case> Read()
    {
        var cases = new Dictionary<string, Case>();
        foreach (var dir in Directory.GetDirectories(Path.Combine(FixturePaths.OspreyTiny, "cases")))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "case.json")));
            var root = doc.RootElement;
            var turns = root.GetProperty("turns").EnumerateArray()
                .Select(t => new ConversationTurn(t.GetProperty("user").GetString()!, t.GetProperty("assistant").GetString()))
                .ToArray();
            var name = Path.GetFileName(dir);
            cases[name] = new Case(
                name,
                turns,
                root.GetProperty("prompt").GetString()!,
                root.GetProperty("input_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
                root.GetProperty("masks").GetArrayLength());
        }
        return cases;
    }
}
