using System.Text.RegularExpressions;

namespace Osprey.Engine.Tests.Layers;

/// <summary>
/// The product's code never hands libtorch a Scalar that nothing keeps alive (see
/// <see cref="Osprey.Engine.Layers.PinnedScalars"/>): TorchSharp's one-argument add overloads make a
/// temporary alpha the GC may finalise mid-call, and so does a bare number where a Scalar is taken.
/// One such call stopped a training run at step 220 and sat in the decode path's attention; this keeps
/// new ones out.
/// </summary>
public sealed partial class PinnedScalarUseTests
{
    private static readonly string[] ScalarMethods =
    [
        "add", "add_", "sub", "sub_", "mul", "mul_", "div", "div_", "pow", "pow_", "clamp", "clamp_", "clamp_min", "clamp_min_",
        "clamp_max", "clamp_max_", "masked_fill", "masked_fill_", "fill_", "gt", "lt", "ge", "le", "eq", "ne", "full", "full_like",
        "arange", "remainder", "fmod",
    ];

    [Fact]
    public void No_call_gives_libtorch_a_temporary_scalar()
    {
        var offences = new List<string>();
        foreach (var file in SourceFiles())
        {
            var text = File.ReadAllText(file);
            foreach (Match call in Call().Matches(text))
            {
                var name = call.Groups[1].Value;
                if (!ScalarMethods.Contains(name)) continue;
                var arguments = Arguments(text, call.Index + call.Length);
                if (arguments is null) continue;
                var line = text.AsSpan(0, call.Index).Count('\n') + 1;
                var where = $"{Path.GetRelativePath(FixturePaths.RepositoryRoot, file)}:{line} {name}({string.Join(", ", arguments)})";
                if (name is "add" or "add_" && arguments.Count == 1) offences.Add(where + ": no alpha (TorchSharp makes a temporary one)");
                else if (arguments.Any(a => NumberLiteral().IsMatch(a))) offences.Add(where + ": a bare number becomes a temporary Scalar");
            }
        }
        Assert.True(offences.Count == 0, "Pass PinnedScalars or a Scalar the caller owns:\n" + string.Join('\n', offences));
    }

    [Fact]
    public void The_scan_finds_what_it_looks_for()
    {
        // The rule above must not pass for want of parsing: this file's own examples are found.
        const string sample = "var a = x.add(y); var b = x.add(y, One); var c = x.mul(2.0); var d = x.sum(1); var e = torch.arange(0, n);";
        var found = Call().Matches(sample).Select(m => (m.Groups[1].Value, Arguments(sample, m.Index + m.Length)!.Count)).ToList();
        Assert.Equal([("add", 1), ("add", 2), ("mul", 1), ("sum", 1), ("arange", 2)], found);
        Assert.Matches(NumberLiteral(), "2.0");
        Assert.Matches(NumberLiteral(), "-1e-6f");
        Assert.DoesNotMatch(NumberLiteral(), "epsilon");
        Assert.DoesNotMatch(NumberLiteral(), "[1]");
    }

    private static IEnumerable<string> SourceFiles()
    {
        var root = FixturePaths.RepositoryRoot;
        return new[] { "src", "bench" }.SelectMany(d => Directory.EnumerateFiles(Path.Combine(root, d), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"));
    }

    /// <summary>The top-level arguments of the call whose opening parenthesis ends at <paramref name="start"/>, or null if unbalanced.</summary>
    private static List<string>? Arguments(string text, int start)
    {
        var arguments = new List<string>();
        var depth = 0;
        var from = start;
        for (var i = start; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '(' or '[' or '{':
                    depth++;
                    break;
                case ')' or ']' or '}' when depth > 0:
                    depth--;
                    break;
                case ')':
                    var last = text[from..i].Trim();
                    if (last.Length > 0 || arguments.Count > 0) arguments.Add(last);
                    return arguments;
                case ',' when depth == 0:
                    arguments.Add(text[from..i].Trim());
                    from = i + 1;
                    break;
            }
        }
        return null;
    }

    [GeneratedRegex(@"\.([a-z_]+)\(")]
    private static partial Regex Call();

    [GeneratedRegex(@"^-?\d[\d_]*(\.\d+)?([eE][-+]?\d+)?[fdmLl]?$")]
    private static partial Regex NumberLiteral();
}
