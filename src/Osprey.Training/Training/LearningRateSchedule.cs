namespace Osprey.Training.Training;

/// <summary>Linear warm-up from 0 to the peak over <c>WarmupSteps</c>, then cosine decay to <c>MinFraction</c>·peak at <c>TotalSteps</c>.</summary>
public sealed record LearningRateSchedule(double Peak, int WarmupSteps, int TotalSteps, double MinFraction = 0.1)
{
    /// <summary>The rate for the update that completes step <paramref name="step"/> (1-based).</summary>
    public double At(int step)
    {
        if (step <= WarmupSteps) return Peak * step / Math.Max(1, WarmupSteps);
        var decaySteps = Math.Max(1, TotalSteps - WarmupSteps);
        var progress = Math.Clamp((double)(step - WarmupSteps) / decaySteps, 0, 1);
        var cosine = 0.5 * (1 + Math.Cos(Math.PI * progress));
        return Peak * (MinFraction + (1 - MinFraction) * cosine);
    }
}
