namespace Osprey.Training.Tests.Training;

/// <summary>Checks on the per-step losses a training run returns.</summary>
public static class LossCurves
{
    /// <summary>
    /// A run stopped after <paramref name="firstHalf"/> and resumed for <paramref name="secondHalf"/>
    /// must repeat the uninterrupted run step by step, and that run must have moved at all.
    /// </summary>
    public static void AssertResumedRepeats(IReadOnlyList<double> uninterrupted, IReadOnlyList<double> firstHalf, IReadOnlyList<double> secondHalf)
    {
        var resumed = firstHalf.Concat(secondHalf).ToList();
        Assert.Equal(uninterrupted.Count, resumed.Count);
        for (int i = 0; i < resumed.Count; i++)
            Assert.True(Math.Abs(uninterrupted[i] - resumed[i]) < 1e-4, $"step {i + 1}: {uninterrupted[i]} vs {resumed[i]}");
        Assert.NotEqual(uninterrupted[0], uninterrupted[^1]);
    }
}
