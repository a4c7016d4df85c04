namespace Osprey.Engine.Serving;

/// <summary>
/// A step's wall time as a function of its rows (a decode and a prompt position are each one row of
/// the step's products), learnt from the steps run: the steps fall into buckets by rows (1, 2, 3–4,
/// 5–8, … doubling), each bucket keeps a recent average of its rows and its time, and between the
/// buckets the time is interpolated along straight lines. A single line over all rows does not fit
/// every machine: on a CPU with bfloat16 instructions one or two rows run on the row-streaming kernel
/// and three or more on oneDNN, so the curve jumps from 1 to 3 rows and is nearly flat after (bench
/// model, 2-core AMD EPYC with AVX512_BF16: 74 ms at 1 row, about 130 at 8), and a line through 1 and 9
/// rows charged every later row 8 ms. Engine thread only.
/// </summary>
public sealed class StepCostCurve
{
    // Weight of a bucket's past per step observed in it: recent steps weigh most, as the machine's load changes.
    private const double Decay = 0.8;

    private const int Buckets = 31;

    // Exponentially weighted sums of 1, rows and ms per bucket.
    private readonly double[] _weight = new double[Buckets];
    private readonly double[] _rows = new double[Buckets];
    private readonly double[] _ms = new double[Buckets];

    /// <summary>The most rows of any step seen, 0 before the first.</summary>
    public int MostRowsSeen { get; private set; }

    /// <summary>A step of <paramref name="rows"/> rows took <paramref name="took"/>.</summary>
    public void Observe(int rows, TimeSpan took)
    {
        if (rows < 1) return;
        var b = Bucket(rows);
        _weight[b] = _weight[b] * Decay + 1;
        _rows[b] = _rows[b] * Decay + rows;
        _ms[b] = _ms[b] * Decay + took.TotalMilliseconds;
        MostRowsSeen = Math.Max(MostRowsSeen, rows);
    }

    /// <summary>
    /// The expected time (ms) of a step of <paramref name="rows"/> rows; null before any step was seen.
    /// Below the fewest rows seen it is that bucket's time; past the most it follows the last two
    /// buckets' slope (the last bucket's time while only one is known). Never decreasing in rows:
    /// a bucket that measured faster than a smaller one (noise) counts as that one's time.
    /// </summary>
    public double? Estimate(int rows)
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
