using System.Globalization;

namespace OspreyCluster.Tests.Gateway;

/// <summary>Reads samples from Prometheus' text exposition format (<c>name{labels} value</c>, labels optional).</summary>
public static class PrometheusText
{
    public sealed record Sample(string Name, string Labels, double Value);

    public static IReadOnlyList<Sample> Samples(string exposition) =>
        [.. exposition.Split('\n')
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .Select(line =>
            {
                var space = line.LastIndexOf(' ');
                var series = line[..space];
                var brace = series.IndexOf('{');
                return brace < 0
                    ? new Sample(series, "", double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture))
                    : new Sample(series[..brace], series[(brace + 1)..^1], double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture));
            })];

    /// <summary>The sum of a family's samples (over all label sets); null when the page has none.</summary>
    public static double? Sum(string exposition, string name)
    {
        var samples = Samples(exposition).Where(s => s.Name == name).ToList();
        return samples.Count == 0 ? null : samples.Sum(s => s.Value);
    }

    /// <summary>The family's declared type (<c># TYPE name counter</c>), or null.</summary>
    public static string? Type(string exposition, string name) =>
        exposition.Split('\n').FirstOrDefault(l => l.StartsWith($"# TYPE {name} ", StringComparison.Ordinal))?.Split(' ')[3];
}
