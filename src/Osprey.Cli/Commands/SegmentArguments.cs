using System.Globalization;
using Osprey.Engine.Segmentation;

namespace Osprey.Cli.Commands;

/// <summary>Parses <c>osprey segment</c>'s prompt arguments: <c>--point X,Y:LABEL</c> and <c>--box X0,Y0,X1,Y1</c>.</summary>
public static class SegmentArguments
{
    /// <exception cref="SamPromptException">Not in the form X,Y:LABEL (LABEL 1 foreground, 0 background).</exception>
    public static SamPoint Point(string text)
    {
        var parts = text.Split(':');
        var xy = parts[0].Split(',');
        if (parts.Length > 2 || xy.Length != 2 || !TryNumber(xy[0], out var x) || !TryNumber(xy[1], out var y))
            throw new SamPromptException($"--point '{text}' is not X,Y:LABEL (pixels, label 1 foreground or 0 background)");
        if (parts.Length == 1) return new SamPoint(x, y, 1);
        if (!int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var label))
            throw new SamPromptException($"--point '{text}' has label '{parts[1]}'; labels are 1 (foreground) or 0 (background)");
        return new SamPoint(x, y, label);
    }

    /// <exception cref="SamPromptException">Not four numbers X0,Y0,X1,Y1.</exception>
    public static SamBox Box(string text)
    {
        var parts = text.Split(',');
        var values = new double[4];
        if (parts.Length != 4 || parts.Select((p, i) => TryNumber(p, out values[i])).Any(ok => !ok))
            throw new SamPromptException($"--box '{text}' is not X0,Y0,X1,Y1 (four numbers, pixels)");
        return new SamBox(values[0], values[1], values[2], values[3]);
    }

    private static bool TryNumber(string s, out double value) =>
        double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);
}
