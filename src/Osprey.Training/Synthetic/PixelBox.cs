namespace Osprey.Training.Synthetic;

/// <summary>Inclusive-exclusive pixel bounding box: columns [X, X+Width), rows [Y, Y+Height).</summary>
public readonly record struct PixelBox(int X, int Y, int Width, int Height)
{
    public int Extent => Math.Max(Width, Height);

    /// <summary>Bounding box of the non-zero pixels of a row-major mask; empty when the mask is empty.</summary>
    public static PixelBox Of(byte[] mask, int width, int height)
    {
        int minX = width, minY = height, maxX = -1, maxY = -1;
        for (int y = 0; y < height; y++)
        {
            int row = y * width;
            for (int x = 0; x < width; x++)
            {
                if (mask[row + x] == 0) continue;
                if (x < minX) minX = x;
                if (x > maxX) maxX = x;
                if (y < minY) minY = y;
                if (y > maxY) maxY = y;
            }
        }
        return maxX < 0 ? default : new PixelBox(minX, minY, maxX - minX + 1, maxY - minY + 1);
    }
}
