using Osprey.Engine.Generation;

namespace Osprey.Engine.Tests.Generation;

public class SamplingParamsTests
{
    [Fact]
    public void DefaultsAreGreedyWithTheWholeDistribution()
    {
        var p = new SamplingParams();
        Assert.True(p.IsGreedy);
        Assert.Equal(1f, p.TopP);
        Assert.Null(p.Seed);
        Assert.Empty(p.StopStrings);
        Assert.Equal(SamplingParams.DefaultMaxNewTokens, p.MaxNewTokens);
    }

    [Theory]
    [InlineData(-0.1f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void InvalidTemperatureIsRejected(float t)
    {
        var e = Assert.Throws<InvalidSamplingParamsException>(() => new SamplingParams { Temperature = t });
        Assert.Equal(nameof(SamplingParams.Temperature), e.ParamName);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(-0.5f)]
    [InlineData(1.01f)]
    [InlineData(float.NaN)]
    public void InvalidTopPIsRejected(float p)
    {
        var e = Assert.Throws<InvalidSamplingParamsException>(() => new SamplingParams { TopP = p });
        Assert.Equal(nameof(SamplingParams.TopP), e.ParamName);
    }

    [Fact]
    public void InvalidMaxNewTokensAndStopStringsAreRejected()
    {
        Assert.Throws<InvalidSamplingParamsException>(() => new SamplingParams { MaxNewTokens = 0 });
        Assert.Throws<InvalidSamplingParamsException>(() => new SamplingParams { StopStrings = ["ok", ""] });
        Assert.Throws<InvalidSamplingParamsException>(() => new SamplingParams { StopStrings = null! });
    }

    [Fact]
    public void StopStringsAreCopied()
    {
        var list = new List<string> { "###" };
        var p = new SamplingParams { StopStrings = list };
        list.Add("later");
        Assert.Equal(["###"], p.StopStrings);
    }
}
