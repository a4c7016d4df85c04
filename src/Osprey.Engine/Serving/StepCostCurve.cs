namespace Osprey.Engine.Serving;

/// <summary>
/// A step's wall time as a function of its rows (a decode and a prompt position are each one row of
/// the step's products), learnt from the steps run: the steps fall into buckets by rows (1, 2, 3–4,
/// 5–8, … doubling), each bucket keeps a recent average of its rows and its time, and between the
/// buckets the time is interpolated along straight lines. A single line over all rows does not fit
/// every machine: on a CPU with bfloat16 instructions one or two rows run on the row-streaming kernel
/// and three or more on oneDNN, so the curve jumps from 1 to 3 rows and is nearly flat after (bench
/// model, 2-core AMD EPYC with AVX512_BF16: 74 ms at 1 row, about 130 at 8), and a line through 1 and 9
/// rows charged every later row 8 ms.
/// <para>
/// A pace factor follows how much faster or slower than its buckets the machine runs now: every step in
/// a bucket already measured moves it by how far the step missed the estimate, and it relaxes back
/// towards 1 a little every step, so a lasting change ends up in the buckets. On a shared machine
/// whole stretches of steps run slower, and the bucket of the running decodes, measured every step,
/// followed such a stretch alone while the others kept a quieter stretch's times: beside one decode
/// slowed from 55 to 84–180 ms, a newcomer was given 24 prompt positions at a 125 ms estimate and its
/// step took 265 ms (bench model, bf16, 2-core AMD EPYC, 2026-12-06); replayed with the pace, that
/// step gets 15. A comparison of two step sizes, which is what <see cref="PrefillPacing"/> makes, then
/// depends less on when each was measured.
/// </para>
/// Engine thread only.
/// </summary>
public sealed class StepCostCurve
{
    // Weight of a bucket's past per step observed in it: recent steps weigh most, as the machine's load changes.
    private const double Decay = 0.8;

    private const int Buckets = 31;

    // Weight of the pace's past per step, and how much of its distance from 1 it loses per step.
    private const double PaceDecay = 0.8, PaceRelax = 0.05;

    // Exponentially weighted sums of 1, rows and ms per bucket, the ms divided by the pace of their time.
    private readonly double[] _weight = new double[Buckets];
    private readonly double[] _rows = new double[Buckets];
    private readonly double[] _ms = new double[Buckets];

    // How many times the buckets' times the machine takes now.
    private double _pace = 1;

    /// <summary>The most rows of any step seen, 0 before the first.</summary>
    public int MostRowsSeen { get; private set; }

    /// <summary>A step of <paramref name="rows"/> rows took <paramref name="took"/>.</summary>
    public void Observe(int rows, TimeSpan took)
    {
        if (rows < 1) return;
        var b = Bucket(rows);
        var ms = took.TotalMilliseconds;
        var usualMs = ms / _pace;
        // Only a size measured before says how fast the machine runs now: a first step of its size may
        // simply cost more than the lines between other sizes guessed. Without the pull towards 1 the
        // split between pace and buckets would wander with the noise (a size seen every step cannot tell
        // the two apart), and the sizes not seen for a while would drift away from it.
        if (_weight[b] > 0 && UsualEstimate(rows) is > 0 and var expected)
            _pace = Math.Pow(_pace, 1 - PaceRelax) * (PaceDecay + (1 - PaceDecay) * ms / (expected * _pace));
        _weight[b] = _weight[b] * Decay + 1;
        _rows[b] = _rows[b] * Decay + rows;
        _ms[b] = _ms[b] * Decay + usualMs;
        MostRowsSeen = Math.Max(MostRowsSeen, rows);
    }

    /// <summary>
    /// The expected time (ms) of a step of <paramref name="rows"/> rows; null before any step was seen.
    /// Below the fewest rows seen it is that bucket's time; past the most it follows the last two
    /// buckets' slope (the last bucket's time while only one is known). Never decreasing in rows:
    /// a bucket that measured faster than a smaller one (noise) counts as that one's time.
    /// </summary>
    public double? Estimate(int rows) => UsualEstimate(rows) * _pace;

    private double? UsualEstimate(int rows)
    {
        double previousRows = 0, previousMs = 0, lastRows = 0, lastMs = 0;
        var known = 0;
        for (var b = 0; b < Buckets; b++)
        {
            if (_weight[b] <= 0) continue;
            var r = _rows[b] / _weight[b];
            var ms = Math.Max(_ms[b] / _weight[b], lastMs);
            if (known == 0 && rows <= r) return ms;
            if (known > 0 && rows <= r) return lastMs + (ms - lastMs) * (rows - lastRows) / (r - lastRows);
            (previousRows, previousMs, lastRows, lastMs) = (lastRows, lastMs, r, ms);
            known++;
        }
        if (known == 0) return null;
        if (known == 1) return lastMs;
        return lastMs + (lastMs - previousMs) / (lastRows - previousRows) * (rows - lastRows);
    }

    private static int Bucket(int rows) => Math.Min(Buckets - 1, 32 - int.LeadingZeroCount(rows - 1));
}
