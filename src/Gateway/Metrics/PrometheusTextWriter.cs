using System.Globalization;
using System.Text;

namespace OspreyCluster.Gateway.Metrics;

/// <summary>Prometheus text exposition format 0.0.4: a HELP and TYPE line per family, then its samples.</summary>
public sealed class PrometheusTextWriter
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly StringBuilder text = new();

    public void Family(string name, string type, string help)
    {
        text.Append("# HELP ").Append(name).Append(' ').Append(EscapeHelp(help)).Append('\n');
        text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
    }

    public void Sample(string name, double value, params (string Name, string Value)[] labels)
    {
        text.Append(name);
        if (labels.Length > 0)
        {
            text.Append('{');
            for (var i = 0; i < labels.Length; i++)
            {
                if (i > 0) text.Append(',');
                text.Append(labels[i].Name).Append("=\"").Append(EscapeLabel(labels[i].Value)).Append('"');
            }
            text.Append('}');
        }
        text.Append(' ').Append(FormatValue(value)).Append('\n');
    }

    public override string ToString() => text.ToString();

    private static string FormatValue(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(value) => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    private static string EscapeHelp(string help) => help.Replace("\\", "\\\\").Replace("\n", "\\n");

    private static string EscapeLabel(string value) => value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");
}
