namespace Osprey.Engine.Serving;

/// <summary>
/// How many prompt positions ride beside running decodes in one step: the one owner of that rule. On a
/// CPU a product of a few rows costs several times one row once past a handful (fp32 on two cores: a
/// newcomer's 9 prompt positions beside one decode made the step 2.5–3× the decode alone, 29 positions
/// 5×), so taking a newcomer's whole prompt in one step stalls every running conversation for that long.
/// With a stretch of s, a step that carries decodes runs at most about s times a decode-only step of the
/// same batch: the pacing learns the decode-only step per batch size and the cost of one prompt
/// position beside decodes from the steps it sees, and gives prompts as many positions as fit, at least
/// one so they always progress. With nothing decoding the token budget alone applies: nobody waits on
/// a token then. Engine thread only.
/// </summary>
public sealed class PrefillPacing(double? stretch, int firstProbe)
{
    private readonly Dictionary<int, double> _decodeStepMs = [];
    private double? _positionMs;

    // Recent steps weigh most: the machine's load changes, and a step that ran beside other work is noise.
    private const double Smoothing = 0.25;

    /// <summary>Prompt positions the next step may carry beside <paramref name="decodes"/> decoding sequences, within <paramref name="budget"/>.</summary>
    public int PromptPositions(int decodes, int budget)
    {
        if (stretch is not { } s || decodes == 0 || budget <= 1) return budget;
        // Before a step beside decodes was seen, probe with a few positions rather than the whole budget.
        if (_positionMs is not { } perPosition || DecodeStep(decodes) is not { } step) return Math.Min(budget, firstProbe);
        if (perPosition <= 0) return budget;
        var fits = Math.Floor((s - 1) * step / perPosition);
        return (int)Math.Clamp(fits, 1, budget);
    }

    /// <summary>A step ran <paramref name="decodes"/> decodes and <paramref name="promptPositions"/> prompt positions in <paramref name="took"/>.</summary>
    public void Observe(int decodes, int promptPositions, TimeSpan took)
    {
        if (stretch is null || decodes == 0) return;
        var ms = took.TotalMilliseconds;
        if (promptPositions == 0)
        {
            _decodeStepMs[decodes] = _decodeStepMs.TryGetValue(decodes, out var old) ? old + Smoothing * (ms - old) : ms;
            return;
        }
        if (DecodeStep(decodes) is not { } step) return;
        var perPosition = Math.Max(0, ms - step) / promptPositions;
        _positionMs = _positionMs is { } before ? before + Smoothing * (perPosition - before) : perPosition;
    }

    /// <summary>The decode-only step of this batch size, or of the nearest one seen.</summary>
    private double? DecodeStep(int decodes)
    {
        if (_decodeStepMs.TryGetValue(decodes, out var exact)) return exact;
        if (_decodeStepMs.Count == 0) return null;
        return _decodeStepMs.MinBy(e => Math.Abs(e.Key - decodes)).Value;
    }
}
