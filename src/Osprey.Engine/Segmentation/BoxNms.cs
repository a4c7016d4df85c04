namespace Osprey.Engine.Segmentation;

/// <summary>
/// Greedy non-maximum suppression over boxes (x0, y0, x1, y1) as torchvision's <c>nms</c> computes it:
/// highest score first (ties in input order), areas (x1 − x0)·(y1 − y0) in float32, a box dropped when
/// its IoU with a kept one exceeds the threshold. Returns the kept indices, highest score first.
/// </summary>
public static class BoxNms
{
    public static int[] Keep(IReadOnlyList<float[]> boxes, IReadOnlyList<float> scores, double iouThreshold)
    {
        var n = boxes.Count;
        var order = Enumerable.Range(0, n).OrderByDescending(i => scores[i]).ToArray();
        var areas = boxes.Select(b => (b[2] - b[0]) * (b[3] - b[1])).ToArray();
        var suppressed = new bool[n];
        var keep = new List<int>();
        for (var oi = 0; oi < n; oi++)
        {
            var i = order[oi];
            if (suppressed[i]) continue;
            keep.Add(i);
            var a = boxes[i];
            for (var oj = oi + 1; oj < n; oj++)
            {
                var j = order[oj];
                if (suppressed[j]) continue;
                var b = boxes[j];
                var w = Math.Max(0f, Math.Min(a[2], b[2]) - Math.Max(a[0], b[0]));
                var h = Math.Max(0f, Math.Min(a[3], b[3]) - Math.Max(a[1], b[1]));
                var inter = w * h;
                var iou = inter / (areas[i] + areas[j] - inter);
                // float32 IoU against the double threshold, as torchvision compares them.
                if (iou > iouThreshold) suppressed[j] = true;
            }
        }
        return [.. keep];
    }
}
