using Osprey.Engine.Regions;

namespace Osprey.Engine.Segmentation;

/// <summary>
/// The reference's <c>remove_small_regions</c>: holes (8-connected components of the outside) smaller
/// than an area are filled, and islands (components of the inside) smaller than it removed, keeping
/// the largest island when every island is small.
/// </summary>
public static class SmallRegions
{
    /// <summary>The mask with small holes filled, and whether anything changed.</summary>
    public static (RegionMask Mask, bool Changed) FillHoles(RegionMask mask, int minArea) => Clean(mask, minArea, holes: true);

    /// <summary>The mask with small islands removed, and whether anything changed.</summary>
    public static (RegionMask Mask, bool Changed) RemoveIslands(RegionMask mask, int minArea) => Clean(mask, minArea, holes: false);

    private static (RegionMask, bool) Clean(RegionMask mask, int minArea, bool holes)
    {
        var (h, w) = (mask.Height, mask.Width);
        var working = new byte[mask.Data.Length];
        for (var i = 0; i < working.Length; i++) working[i] = (byte)(holes ? mask.Data[i] ^ 1 : mask.Data[i]);
        var (labels, sizes) = Components(working, h, w);
        var small = new HashSet<int>();
        for (var k = 1; k < sizes.Count; k++) if (sizes[k] < minArea) small.Add(k);
        if (small.Count == 0) return (mask, false);

        var filled = new bool[sizes.Count];
        if (holes)
        {
            filled[0] = true;
            foreach (var k in small) filled[k] = true;
        }
        else
        {
            var any = false;
            for (var k = 1; k < sizes.Count; k++) if (!small.Contains(k)) filled[k] = any = true;
            if (!any)
            {
                var largest = 1;
                for (var k = 2; k < sizes.Count; k++) if (sizes[k] > sizes[largest]) largest = k;
                filled[largest] = true;
            }
        }
        var data = new byte[labels.Length];
        for (var i = 0; i < data.Length; i++) data[i] = (byte)(filled[labels[i]] ? 1 : 0);
        return (new RegionMask(h, w, data), true);
    }

    /// <summary>8-connected components of the set pixels, numbered from 1 in raster order of their first pixel; label 0 is the unset pixels.</summary>
    private static (int[] Labels, List<long> Sizes) Components(byte[] pixels, int h, int w)
    {
        var labels = new int[pixels.Length];
        var sizes = new List<long> { 0 };
        var stack = new Stack<int>();
        for (var start = 0; start < pixels.Length; start++)
        {
            if (pixels[start] == 0)
            {
                sizes[0]++;
                continue;
            }
            if (labels[start] != 0) continue;
            var label = sizes.Count;
            sizes.Add(0);
            labels[start] = label;
            stack.Push(start);
            while (stack.Count > 0)
            {
                var p = stack.Pop();
                sizes[label]++;
                int py = p / w, px = p - py * w;
                for (var dy = -1; dy <= 1; dy++)
                for (var dx = -1; dx <= 1; dx++)
                {
                    int y = py + dy, x = px + dx;
                    if (y < 0 || y >= h || x < 0 || x >= w) continue;
                    var q = y * w + x;
                    if (pixels[q] == 0 || labels[q] != 0) continue;
                    labels[q] = label;
                    stack.Push(q);
                }
            }
        }
        return (labels, sizes);
    }
}
