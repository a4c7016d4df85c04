namespace Osprey.Engine.Segmentation;

/// <summary>A crop of the image in pixels, [X0, X1) × [Y0, Y1), and the crop layer it belongs to (0: the whole image).</summary>
public readonly record struct CropBox(int X0, int Y0, int X1, int Y1, int Layer)
{
    public int Width => X1 - X0;
    public int Height => Y1 - Y0;

    /// <summary>
    /// The whole image, then for each extra layer i (1-based) 2^i × 2^i crops overlapping by
    /// overlap ratio · short side · 2 / 2^i pixels, column by column as the reference lists them.
    /// </summary>
    public static List<CropBox> Generate(int height, int width, int layers, double overlapRatio)
    {
        var boxes = new List<CropBox> { new(0, 0, width, height, 0) };
        var shortSide = Math.Min(height, width);
        static int CropLength(int original, int crops, int overlap) => (int)Math.Ceiling((overlap * (crops - 1) + original) / (double)crops);
        for (var layer = 0; layer < layers; layer++)
        {
            var perSide = 1 << (layer + 1);
            var overlap = (int)(overlapRatio * shortSide * (2.0 / perSide));
            var cropW = CropLength(width, perSide, overlap);
            var cropH = CropLength(height, perSide, overlap);
            for (var i = 0; i < perSide; i++)
            for (var j = 0; j < perSide; j++)
            {
                var x0 = (cropW - overlap) * i;
                var y0 = (cropH - overlap) * j;
                boxes.Add(new CropBox(x0, y0, Math.Min(x0 + cropW, width), Math.Min(y0 + cropH, height), layer + 1));
            }
        }
        return boxes;
    }
}
