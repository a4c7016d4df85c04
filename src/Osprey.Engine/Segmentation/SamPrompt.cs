namespace Osprey.Engine.Segmentation;

/// <summary>
/// What a user asks to segment: clicks, a box, or both. <see cref="Multimask"/> asks for the decoder's
/// three candidate masks (useful for an ambiguous single click) instead of its single best one.
/// </summary>
public sealed record SamPrompt(IReadOnlyList<SamPoint> Points, SamBox? Box, bool Multimask)
{
    /// <summary>At most this many clicks in one prompt.</summary>
    public const int MaxPoints = 64;

    /// <summary>Checks the prompt against an image of <paramref name="width"/>×<paramref name="height"/>: coordinates are continuous pixels, 0 … width and 0 … height.</summary>
    /// <exception cref="SamPromptException">No prompt, too many points, a label other than 0/1, a point or box outside the image, an inverted box.</exception>
    public void Validate(int width, int height)
    {
        if (Points.Count == 0 && Box is null)
            throw new SamPromptException("a prompt needs at least one point or a box");
        if (Points.Count > MaxPoints)
            throw new SamPromptException($"{Points.Count} points given; at most {MaxPoints} points per prompt");
        for (var i = 0; i < Points.Count; i++)
        {
            var p = Points[i];
            if (p.Label is not (0 or 1))
                throw new SamPromptException($"point {i + 1} has label {p.Label}; labels are 1 (foreground) or 0 (background)");
            if (!Inside(p.X, width) || !Inside(p.Y, height))
                throw new SamPromptException($"point {i + 1} ({p.X}, {p.Y}) is outside the {width}x{height} image");
        }
        if (Box is { } b)
        {
            if (!Inside(b.X0, width) || !Inside(b.X1, width) || !Inside(b.Y0, height) || !Inside(b.Y1, height))
                throw new SamPromptException($"box ({b.X0}, {b.Y0}, {b.X1}, {b.Y1}) is outside the {width}x{height} image");
            if (b.X1 <= b.X0 || b.Y1 <= b.Y0)
                throw new SamPromptException($"box ({b.X0}, {b.Y0}, {b.X1}, {b.Y1}) is inverted or empty: it must be x0 < x1 and y0 < y1");
        }
    }

    private static bool Inside(double v, int size) => double.IsFinite(v) && v >= 0 && v <= size;
}
