using System.Diagnostics;

namespace Osprey.Training.Training;

/// <summary>One progress line: smoothed loss, learning rate, gradient norm, tokens/s and ETA.</summary>
public sealed class TrainingProgress(int firstStep, int totalSteps)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _positions;
    private double? _smoothed;
    private TimeSpan _dataTime;

    /// <summary>Time spent producing examples (scene rendering, image decoding), reported apart from compute.</summary>
    public void AddDataTime(TimeSpan time) => _dataTime += time;

    public void Add(double loss, int positions)
    {
        _positions += positions;
        _smoothed = _smoothed is { } s ? 0.9 * s + 0.1 * loss : loss;
    }

    public string Line(int step, double loss, double learningRate, double gradNorm)
    {
        var elapsed = _clock.Elapsed;
        var done = step - firstStep;
        var perStep = done > 0 ? elapsed / done : TimeSpan.Zero;
        var eta = perStep * (totalSteps - step);
        var tokensPerSecond = _positions / Math.Max(1e-9, elapsed.TotalSeconds);
        return $"step {step}/{totalSteps}  loss {loss:F4} (avg {_smoothed:F4})  lr {learningRate:E2}  |g| {gradNorm:F2}  " +
               $"{tokensPerSecond:F0} tok/s  {perStep.TotalSeconds:F2} s/step (data {_dataTime.TotalSeconds / Math.Max(1, done):F2})  elapsed {Format(elapsed)}  eta {Format(eta)}";
    }

    private static string Format(TimeSpan t) => t.TotalHours >= 1 ? $"{(int)t.TotalHours}:{t.Minutes:D2}:{t.Seconds:D2}" : $"{t.Minutes:D2}:{t.Seconds:D2}";
}
