using Osprey.Training.Evaluation;

namespace Osprey.Training.Tests.Evaluation;

public class AccuracyBarTests
{
    private static EvaluationReport Report(params (string Family, double Accuracy, int N)[] families) => new(
        families.ToDictionary(f => f.Family, f => new FamilyScore(f.Accuracy, f.Accuracy, f.N)),
        new Dictionary<string, SwappedScore>());

    [Fact]
    public void FamiliesAtOrAboveTheirBarPassAndOthersAreNamed()
    {
        var bar = AccuracyBar.Parse("comparison=0.95, YesNo=0.9");
        Assert.Empty(bar.Shortfalls(Report(("comparison", 0.95, 200), ("yesno", 0.97, 100))));
        var shortfalls = bar.Shortfalls(Report(("comparison", 0.94, 200), ("yesno", 0.97, 100)));
        Assert.Equal("comparison: accuracy 0.94 is below 0.95 (n = 200)", Assert.Single(shortfalls));
        Assert.Contains("yesno: no questions evaluated", Assert.Single(bar.Shortfalls(Report(("comparison", 1.0, 10)))));
    }

    [Theory]
    [InlineData("comparison", "write FAMILY=ACCURACY")]
    [InlineData("comparison=high", "write FAMILY=ACCURACY")]
    [InlineData("comparison=95", "fraction within 0..1")]
    [InlineData("shape=0.9", "unknown question family 'shape'")]
    [InlineData("yesno=0.9,yesno=0.8", "given twice")]
    [InlineData(" , ", "at least one")]
    public void MalformedBarsAreRefusedWithAReason(string text, string reason) =>
        Assert.Contains(reason, Assert.Throws<ArgumentException>(() => AccuracyBar.Parse(text)).Message);
}
