namespace Osprey.Engine.Serving;

/// <summary>
/// How many prompt positions ride beside running decodes in one step: the one owner of that rule. On a
/// CPU a product of a few rows costs several times one row once past a handful (fp32 on two cores: a
/// newcomer's 9 prompt positions beside one decode made the step 2.5–3× the decode alone, 29 positions
/// 5×), so taking a newcomer's whole prompt in one step stalls every running conversation for that long.
/// With a stretch of s, a step that carries decodes runs at most about s times the decode step the batch
/// will have once the sequences now taking their prompts decode too (the step every one of them is
/// about to wait on anyway), and prompts get as many positions as fit, at least one so they always
/// progress. With nothing decoding the token budget alone applies: nobody waits on a token then.
/// The costs come from a <see cref="StepCostCurve"/> learnt from the steps run. Engine thread only.
/// </summary>
/// <remarks>
/// Two earlier rules admitted a burst of newcomers a few positions a step. Charging a mixed step's whole
/// excess over the nearest decode-only step to its prompt positions counted every added decode as prompt
/// cost; a line fitted through all steps (a + b·rows) forgot its slope after a run of same-sized steps,
/// and on a CPU with bfloat16 instructions, where 3 rows cost about 1.5× one and 9 rows under 2×, it
/// charged every row 8 ms. Beside one running decode, measured only against that decode's own step, 8
/// conversations arriving together took 29 steps for 8-token answers instead of 9 (cluster bench,
/// 2026-12-04).
/// </remarks>
public sealed class PrefillPacing(double? stretch, int firstProbe)
{
    private readonly StepCostCurve _cost = new();

    /// <summary>
    /// Prompt positions the next step may carry beside <paramref name="decodes"/> decoding sequences while
    /// <paramref name="joining"/> more take their prompts, within <paramref name="budget"/>.
    /// </summary>
    public int PromptPositions(int decodes, int joining, int budget)
    {
        if (stretch is not { } s || decodes == 0 || budget <= 1) return budget;
        if (_cost.Estimate(decodes + Math.Max(joining, 0)) is not { } step) return Math.Min(budget, firstProbe);
        var allowed = s * step;
        // Rows past twice the most seen are a guess: grow into them a doubling at a time (or a first probe).
        var reach = Math.Max(2 * _cost.MostRowsSeen, decodes + firstProbe) - decodes;
        int low = 1, high = Math.Clamp(reach, 1, budget);
        while (low < high)
        {
            var mid = (low + high + 1) / 2;
            if (_cost.Estimate(decodes + mid) <= allowed) low = mid;
            else high = mid - 1;
        }
        return low;
    }

    /// <summary>A step ran <paramref name="decodes"/> decodes and <paramref name="promptPositions"/> prompt positions in <paramref name="took"/>.</summary>
    public void Observe(int decodes, int promptPositions, TimeSpan took)
    {
        if (stretch is null) return;
        _cost.Observe(decodes + promptPositions, took);
    }
}
