namespace Osprey.Training.Synthetic;

/// <summary>
/// Seeded, deterministic scene generator: scene <c>index</c> of seed <c>seed</c> is always the same
/// pixels and ground truth, independent of any other scene. Placements whose labels would be
/// ambiguous (a centroid on a third line, a size near a class boundary, an object or part mostly
/// hidden) are rejected and redrawn, so every label is a function of the visible mask.
/// </summary>
public sealed class SceneGenerator
{
    private const int PlacementAttempts = 80;
    private const int MinPartPixels = 12;
    private readonly SceneOptions _options;

    public SceneGenerator(SceneOptions? options = null)
    {
        _options = options ?? new SceneOptions();
        _options.Validate();
    }

    public SceneOptions Options => _options;

    public SyntheticScene Generate(long seed, int index)
    {
        var rng = SeededRandom.Derive(seed, index, purpose: 1);
        int size = _options.ImageSize;
        int count = rng.Next(_options.MinObjects, _options.MaxObjects + 1);
        while (true)
        {
            for (int attempt = 0; attempt < PlacementAttempts; attempt++)
            {
                var specs = DrawSpecs(rng, count);
                var objects = TryPlace(specs, rng, size);
                if (objects is null) continue;
                var pixels = new byte[size * size * 3];
                BackgroundTexture.Paint(pixels, size, size, rng);
                PaintObjects(pixels, objects, rng);
                return new SyntheticScene(seed, index, size, size, pixels, objects);
            }
            // Crowded draws can be unplaceable at small image sizes; fewer objects always fit.
            if (count > _options.MinObjects) count--;
        }
    }

    private sealed record ObjectSpec(ShapeCategory Category, NamedColour Colour, SizeClass Size);

    private static ObjectSpec[] DrawSpecs(SeededRandom rng, int count)
    {
        var specs = new ObjectSpec[count];
        for (int i = 0; i < count; i++)
            specs[i] = new ObjectSpec(
                rng.Pick(ShapeCategoryNames.All),
                rng.Pick(NamedColour.Palette),
                (SizeClass)rng.Next(3));
        return specs;
    }

    private SceneObject[]? TryPlace(ObjectSpec[] specs, SeededRandom rng, int size)
    {
        int n = specs.Length;
        var outlines = new ShapeOutline[n];
        for (int i = 0; i < n; i++)
        {
            var (min, max) = specs[i].Size.DrawnExtent();
            double radius = rng.Uniform(min, max) * size / 2;
            var (cx, cy) = i > 0 && _options.OverlapShare > 0 && rng.Chance(_options.OverlapShare)
                ? CentreOver(outlines[rng.Next(i)], radius, rng, size)
                : (rng.Uniform(radius + 1, size - radius - 1), rng.Uniform(radius + 1, size - radius - 1));
            outlines[i] = new ShapeOutline(specs[i].Category, cx, cy, radius);
        }

        // Later objects overwrite earlier ones: the owner map is the occlusion.
        var owner = new int[size * size];
        var part = new byte[size * size];
        Array.Fill(owner, -1);
        var fullArea = new int[n];
        var fullPartArea = new int[n, 2];
        for (int i = 0; i < n; i++)
        {
            var o = outlines[i];
            int x0 = Math.Max(0, (int)Math.Floor(o.CentreX - o.Radius)), x1 = Math.Min(size - 1, (int)Math.Ceiling(o.CentreX + o.Radius));
            int y0 = Math.Max(0, (int)Math.Floor(o.CentreY - o.Radius)), y1 = Math.Min(size - 1, (int)Math.Ceiling(o.CentreY + o.Radius));
            for (int y = y0; y <= y1; y++)
            for (int x = x0; x <= x1; x++)
            {
                int p = o.PartAt(x + 0.5, y + 0.5);
                if (p < 0) continue;
                owner[y * size + x] = i;
                part[y * size + x] = (byte)p;
                fullArea[i]++;
                fullPartArea[i, p]++;
            }
        }

        var objects = new SceneObject[n];
        for (int i = 0; i < n; i++)
        {
            var mask = new byte[size * size];
            int area = 0;
            double sumX = 0, sumY = 0;
            var partNames = specs[i].Category.PartNames();
            var partMasks = partNames.Select(_ => new byte[size * size]).ToArray();
            var partAreas = new int[partNames.Count];
            for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                int k = y * size + x;
                if (owner[k] != i) continue;
                mask[k] = 1;
                area++;
                sumX += x + 0.5;
                sumY += y + 0.5;
                if (partNames.Count > 0)
                {
                    partMasks[part[k]][k] = 1;
                    partAreas[part[k]]++;
                }
            }

            if (area == 0 || area < _options.MinVisibleFraction * fullArea[i]) return null;
            for (int p = 0; p < partNames.Count; p++)
                if (partAreas[p] < MinPartPixels || partAreas[p] < _options.MinVisibleFraction * fullPartArea[i, p]) return null;

            var box = PixelBox.Of(mask, size, size);
            double relativeExtent = (double)box.Extent / size;
            if (SizeClasses.FromExtent(relativeExtent) != specs[i].Size) return null;
            double centroidX = sumX / area, centroidY = sumY / area;
            if (ImagePosition.IsAmbiguous(centroidX, centroidY, size, size)) return null;

            var parts = partNames.Select((name, p) => new ObjectPart(name, partMasks[p], partAreas[p])).ToArray();
            objects[i] = new SceneObject(i, specs[i].Category, specs[i].Colour, specs[i].Size,
                ImagePosition.Label(centroidX, centroidY, size, size), mask, area, box, centroidX, centroidY, parts);
        }
        return objects;
    }

    /// <summary>A centre for a shape of <paramref name="radius"/> that overlaps <paramref name="under"/>, kept inside the image.</summary>
    private static (double X, double Y) CentreOver(ShapeOutline under, double radius, SeededRandom rng, int size)
    {
        double angle = rng.Uniform(0, 2 * Math.PI);
        double distance = rng.Uniform(0.5, 1.0) * (under.Radius + radius);
        double Inside(double v) => Math.Clamp(v, radius + 1, size - radius - 1);
        return (Inside(under.CentreX + distance * Math.Cos(angle)), Inside(under.CentreY + distance * Math.Sin(angle)));
    }

    private static void PaintObjects(byte[] pixels, SceneObject[] objects, SeededRandom rng)
    {
        foreach (var obj in objects)
        {
            var c = obj.Colour;
            // Parts get slightly different shades so the part boundary is visible, not only in the mask.
            for (int k = 0; k < obj.Mask.Length; k++)
            {
                if (obj.Mask[k] == 0) continue;
                double shade = obj.Parts.Count > 1 && obj.Parts[1].Mask[k] == 1 ? 0.85 : 1.0;
                double jitter = rng.Uniform(-10, 10);
                pixels[k * 3] = Shade(c.R, shade, jitter);
                pixels[k * 3 + 1] = Shade(c.G, shade, jitter);
                pixels[k * 3 + 2] = Shade(c.B, shade, jitter);
            }
        }
    }

    private static byte Shade(byte value, double shade, double jitter) =>
        (byte)Math.Clamp(Math.Round(value * shade + jitter + (shade < 1 ? 12 : 0)), 0, 255);
}
