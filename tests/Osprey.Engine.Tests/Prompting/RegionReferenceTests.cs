using Osprey.Engine.Prompting;

namespace Osprey.Engine.Tests.Prompting;

public class RegionReferenceTests
{
    [Theory]
    [InlineData("no regions", 0)]
    [InlineData("region1<mask><pos>", 1)]
    [InlineData("region1<mask><pos>, region2<mask><pos>, region3<mask><pos>", 3)]
    [InlineData("<mask><pos><mask><pos>", 2)]
    public void CountsPairs(string text, int expected)
    {
        Assert.Equal(expected, RegionReference.CountPairs(text));
        RegionReference.EnsureMatches(text, expected);
    }

    [Fact]
    public void PairCountDifferentFromRegionsIsATypedError()
    {
        var prompt = "compare region1<mask><pos> and region2<mask><pos>";
        var e = Assert.Throws<RegionCountMismatchException>(() => RegionReference.EnsureMatches(prompt, 3));
        Assert.Equal(2, e.PairsInPrompt);
        Assert.Equal(3, e.RegionsSupplied);
        Assert.Contains("2 region(s)", e.Message);
        Assert.Throws<RegionCountMismatchException>(() => RegionReference.EnsureMatches(prompt, 1));
    }

    [Theory]
    [InlineData("region1<mask> alone")]
    [InlineData("region1<pos><mask>")]
    [InlineData("region1<mask> <pos>")]
    public void UnpairedPlaceholdersAreATypedError(string prompt)
    {
        Assert.Throws<RegionCountMismatchException>(() => RegionReference.EnsureMatches(prompt, RegionReference.CountPairs(prompt)));
    }
}
