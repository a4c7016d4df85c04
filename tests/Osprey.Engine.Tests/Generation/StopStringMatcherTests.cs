using Osprey.Engine.Generation;

namespace Osprey.Engine.Tests.Generation;

public class StopStringMatcherTests
{
    private static (string Output, string? Stop) Run(IEnumerable<string> stops, IEnumerable<string> pieces)
    {
        var matcher = new StopStringMatcher(stops);
        var output = "";
        foreach (var piece in pieces)
        {
            var match = matcher.Push(piece);
            output += match.Text;
            if (match.Stopped) return (output, match.StopString);
        }
        return (output + matcher.Flush(), null);
    }

    [Fact]
    public void StopStringSplitAcrossPiecesIsCaughtAndNeverLeaks()
    {
        var matcher = new StopStringMatcher(["###"]);
        Assert.Equal(new StopStringMatch("A bird", null), matcher.Push("A bird"));
        Assert.Equal(new StopStringMatch(" on a", null), matcher.Push(" on a#"));
        Assert.Equal(new StopStringMatch("", null), matcher.Push("#"));
        var last = matcher.Push("# ignored");
        Assert.True(last.Stopped);
        Assert.Equal("", last.Text);
        Assert.Equal("###", last.StopString);
        Assert.True(matcher.Stopped);
        Assert.Throws<InvalidOperationException>(() => matcher.Push("more"));
    }

    [Fact]
    public void FalseStartIsReleasedOnceItCannotBeAStop()
    {
        var matcher = new StopStringMatcher(["USER:"]);
        Assert.Equal("", matcher.Push("US").Text);
        Assert.Equal("", matcher.Push("E").Text);
        Assert.Equal("USEFUL", matcher.Push("FUL").Text);
    }

    [Theory]
    [InlineData("A red ball.\nUSER: next", "A red ball.\n")]
    [InlineData("USER:", "")]
    [InlineData("no stop here, only US", "no stop here, only US")]
    public void EverySplitOfTheTextGivesTheSameOutput(string text, string expected)
    {
        var stops = new[] { "USER:", "</s>" };
        for (var size = 1; size <= text.Length; size++)
        {
            var pieces = Enumerable.Range(0, (text.Length + size - 1) / size)
                .Select(i => text.Substring(i * size, Math.Min(size, text.Length - i * size)));
            var (output, _) = Run(stops, pieces);
            Assert.Equal(expected, output);
        }
    }

    [Fact]
    public void EarliestOfSeveralStopStringsWins()
    {
        var (output, stop) = Run(["world", "lo w"], ["hello world"]);
        Assert.Equal("hel", output);
        Assert.Equal("lo w", stop);
    }

    [Fact]
    public void OverlappingPrefixesAreHeldUntilResolved()
    {
        // "aab" must be found even though "aa" first looks like a false start of "aab" at offset 0.
        var (output, stop) = Run(["aab"], ["a", "a", "a", "b", "c"]);
        Assert.Equal("a", output);
        Assert.Equal("aab", stop);
    }

    [Fact]
    public void WithoutStopStringsEverythingPassesThrough()
    {
        var matcher = new StopStringMatcher([]);
        Assert.Equal("abc", matcher.Push("abc").Text);
        Assert.Equal("", matcher.Flush());
        Assert.Throws<ArgumentException>(() => new StopStringMatcher([""]));
    }
}
