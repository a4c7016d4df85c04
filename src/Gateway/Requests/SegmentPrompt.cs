using System.Text.Json;
using OspreyCluster.Grains.Interfaces;

namespace OspreyCluster.Gateway.Requests;

/// <summary>
/// A segment request's clicks, <c>[[x, y, label], …]</c>, checked for shape here; whether they fit the
/// image (inside it, labels 0/1, at most 64) is the image grain's check.
/// </summary>
public static class SegmentPrompt
{
    public static IReadOnlyList<SegmentPoint> Points(JsonElement[]? points)
    {
        if (points is null) return [];
        var parsed = new SegmentPoint[points.Length];
        for (var i = 0; i < points.Length; i++)
        {
            var p = points[i];
            if (p.ValueKind != JsonValueKind.Array || p.GetArrayLength() != 3 || p.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.Number))
                throw Bad($"point {i + 1} must be [x, y, label], three numbers");
            if (!p[2].TryGetInt32(out var label))
                throw Bad($"point {i + 1} has label {p[2]}; labels are 1 (foreground) or 0 (background)");
            parsed[i] = new SegmentPoint(p[0].GetDouble(), p[1].GetDouble(), label);
        }
        return parsed;
    }

    private static OspreyRequestException Bad(string reason) => new(400, reason);
}
