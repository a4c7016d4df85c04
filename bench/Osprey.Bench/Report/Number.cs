using System.Globalization;

namespace Osprey.Bench.Report;

/// <summary>How the tables print quantities (invariant culture, units in the column headers).</summary>
public static class Number
{
    public static string Ms(double ms) => ms >= 100 ? F(ms, 0) : ms >= 10 ? F(ms, 1) : F(ms, 2);
    public static string Ms(double? ms) => ms is { } v ? Ms(v) : "–";
    public static string Rate(double value) => value >= 100 ? F(value, 0) : value >= 10 ? F(value, 1) : F(value, 2);
    public static string Ratio(double? value) => value is { } v ? F(v, v >= 10 ? 0 : 2) + "×" : "–";
    public static string Percent(double fraction) => F(100 * fraction, 0) + " %";
    public static string GiB(long? bytes) => bytes is { } b ? F(b / (1024.0 * 1024 * 1024), 2) : "–";
    public static string MiB(long bytes) => F(bytes / (1024.0 * 1024), 1);
    public static string F(double value, int decimals) => value.ToString("F" + decimals, CultureInfo.InvariantCulture);
}
