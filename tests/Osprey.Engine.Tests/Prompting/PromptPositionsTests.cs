using Osprey.Engine.Prompting;
using Osprey.Engine.Tokenization;

namespace Osprey.Engine.Tests.Prompting;

public class PromptPositionsTests
{
    [Theory]
    [MemberData(nameof(PromptCases.Names), MemberType = typeof(PromptCases))]
    public void EmbeddingLengthCountsImageTokensLikeTheFixture(string name)
    {
        var c = PromptCases.All[name];
        var expected = ReadNumInputsEmbeds(name);
        Assert.Equal(expected, PromptPositions.Of(c.InputIds, 1024));
    }

    [Fact]
    public void EachIdStartsWhereTheIdsBeforeItEnd()
    {
        int[] ids = [1, 319, OspreyTokenizer.ImageTokenId, 29901, OspreyTokenizer.ImageTokenId, 2];
        Assert.Equal([0, 1, 2, 18, 19, 35], PromptPositions.Starts(ids, 16));
        // The last id's start plus its own length is the prompt's length.
        Assert.Equal(PromptPositions.Of(ids, 16), PromptPositions.Starts(ids, 16)[^1] + 1);
        Assert.Empty(PromptPositions.Starts([], 16));
    }

    [Fact]
    public void PromptLongerThanTheContextIsATypedError()
    {
        var ids = PromptCases.All["p1_shapes_640x480"].InputIds; // 1093 positions
        PromptPositions.EnsureFits(ids, 1024, newTokens: 955, contextLength: 2048);
        var e = Assert.Throws<PromptTooLongException>(() => PromptPositions.EnsureFits(ids, 1024, newTokens: 956, contextLength: 2048));
        Assert.Equal(1093, e.PromptLength);
    }

    private static int ReadNumInputsEmbeds(string name)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(FixturePaths.OspreyTiny, "cases", name, "case.json")));
        return doc.RootElement.GetProperty("num_inputs_embeds").GetInt32();
    }
}
