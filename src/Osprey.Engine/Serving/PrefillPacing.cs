namespace Osprey.Engine.Serving;

/// <summary>
/// How many prompt positions ride beside running decodes in one step: the one owner of that rule. On a
/// CPU a product of a few rows costs several times one row once past a handful (fp32 on two cores: a
/// newcomer's 9 prompt positions beside one decode made the step 2.5–3× the decode alone, 29 positions
/// 5×), so taking a newcomer's whole prompt in one step stalls every running conversation for that long.
/// With a stretch of s, a step that carries decodes runs at most about s times a decode-only step of the
/// same batch, and prompts get as many positions as fit, at least one so they always progress. With
/// nothing decoding the token budget alone applies: nobody waits on a token then. Engine thread only.
/// </summary>
/// <remarks>
/// A step's cost is learnt as a line in its rows, a + b·rows, where a decode and a prompt position are
/// each one row of the step's products: fitted by least squares over recent steps that carried decodes.
/// An earlier rule charged a mixed step's whole excess over the decode-only step of the nearest batch
/// size seen to its prompt positions; while prompts were pending the decode-only step of the current
/// batch was never seen, so each added decode counted as prompt cost, the estimate grew, and 8
/// conversations arriving together were granted 1–3 positions a step for dozens of steps (a cluster
/// bench trace, 2026-12-04).
/// </remarks>
public sealed class PrefillPacing(double? stretch, int firstProbe)
{
    // Weight of the past per observed step: recent steps weigh most, as the machine's load changes.
    private const double Decay = 0.9;

    // Below this spread of row counts (a variance, rows²) the slope is not yet known.
    private const double LeastRowVariance = 0.25;

    // Exponentially weighted sums of 1, rows, ms, rows², rows·ms.
    private double _w, _x, _y, _xx, _xy;

    /// <summary>Prompt positions the next step may carry beside <paramref name="decodes"/> decoding sequences, within <paramref name="budget"/>.</summary>
    public int PromptPositions(int decodes, int budget)
    {
        if (stretch is not { } s || decodes == 0 || budget <= 1) return budget;
        // Until steps of two sizes were seen, probe with a few positions rather than the whole budget.
        if (Line() is not var (a, b)) return Math.Min(budget, firstProbe);
        if (b <= 0) return budget;
        var step = a + b * decodes;
        if (step <= 0) return Math.Min(budget, firstProbe);
        var fits = Math.Floor((s - 1) * step / b);
        return (int)Math.Clamp(fits, 1, budget);
    }

    /// <summary>A step ran <paramref name="decodes"/> decodes and <paramref name="promptPositions"/> prompt positions in <paramref name="took"/>.</summary>
    public void Observe(int decodes, int promptPositions, TimeSpan took)
    {
        if (stretch is null || decodes == 0) return;
        double rows = decodes + promptPositions, ms = took.TotalMilliseconds;
        _w = _w * Decay + 1;
        _x = _x * Decay + rows;
        _y = _y * Decay + ms;
        _xx = _xx * Decay + rows * rows;
        _xy = _xy * Decay + rows * ms;
    }

    /// <summary>The fitted step cost (ms) at zero rows and per row, or null while the row counts seen are too alike.</summary>
    private (double A, double B)? Line()
    {
        if (_w <= 0) return null;
        var meanRows = _x / _w;
        var meanMs = _y / _w;
        var variance = _xx / _w - meanRows * meanRows;
        if (variance < LeastRowVariance) return null;
        var perRow = (_xy / _w - meanRows * meanMs) / variance;
        return (meanMs - perRow * meanRows, perRow);
    }
}
