using System.Globalization;

namespace Osprey.Bench.Report;

/// <summary>The 1-minute load average, sampled during the run: the bench shares the machine, and readers must know how much.</summary>
public sealed class LoadAverage
{
    private readonly List<double> _samples = [];

    public IReadOnlyList<double> Samples => _samples;

    public double? Sample()
    {
        try
        {
            var first = File.ReadAllText("/proc/loadavg").Split(' ')[0];
            var value = double.Parse(first, CultureInfo.InvariantCulture);
            _samples.Add(value);
            return value;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    public string Summary => _samples.Count == 0
        ? "n/a"
        : FormattableString.Invariant($"{_samples.Min():F1}–{_samples.Max():F1} (mean {_samples.Average():F1}, {_samples.Count} samples)");
}
