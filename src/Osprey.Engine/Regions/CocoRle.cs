using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Osprey.Engine.Regions;

/// <summary>
/// COCO run-length encoding as pycocotools defines it: the mask is read column by column
/// (Fortran order), runs alternate starting with a run of zeros (possibly empty), and
/// <c>size</c> is [height, width]. The compact string form writes each count (from the fourth on,
/// as the difference to the count two before) in 5-bit groups, low first, one char per group
/// (char − 48: bit 5 = more groups follow, bit 4 of the last group = sign).
/// </summary>
public sealed class CocoRle
{
    /// <summary>Masks larger than this are refused (a byte per pixel must fit one array).</summary>
    public const long MaxPixels = int.MaxValue;

    public int Height { get; }
    public int Width { get; }
    public IReadOnlyList<uint> Counts => _counts;

    private readonly uint[] _counts;

    /// <summary>Validates that the runs cover exactly <paramref name="height"/> × <paramref name="width"/> pixels.</summary>
    public CocoRle(int height, int width, uint[] counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        if (height <= 0 || width <= 0)
            throw new RegionFormatException($"COCO RLE size must be positive, got [{height}, {width}] ([height, width])");
        var pixels = (long)height * width;
        if (pixels > MaxPixels)
            throw new RegionFormatException($"COCO RLE size [{height}, {width}] is too large ({pixels:N0} pixels)");
        long sum = 0;
        foreach (var c in counts) sum += c;
        if (sum != pixels)
            throw new RegionFormatException($"COCO RLE counts sum to {sum:N0} but size [{height}, {width}] has {pixels:N0} pixels; the counts or the size are wrong");
        Height = height;
        Width = width;
        _counts = counts;
    }

    /// <summary>Pixels inside: the sum of the odd-indexed runs.</summary>
    public long Area
    {
        get
        {
            long area = 0;
            for (var i = 1; i < _counts.Length; i += 2) area += _counts[i];
            return area;
        }
    }

    /// <summary>The uncompressed form's integer counts (e.g. from JSON), which must be non-negative.</summary>
    public static CocoRle FromUncompressed(int height, int width, IEnumerable<long> counts)
    {
        var list = new List<uint>();
        foreach (var c in counts)
        {
            if (c < 0 || c > uint.MaxValue)
                throw new RegionFormatException($"COCO RLE count {c} at position {list.Count} is out of range (counts are non-negative run lengths)");
            list.Add((uint)c);
        }
        return new CocoRle(height, width, list.ToArray());
    }

    /// <summary>Parses the compressed string form (pycocotools <c>rleFrString</c>), rejecting malformed strings.</summary>
    public static CocoRle FromCompressed(int height, int width, string counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var values = new List<uint>();
        var p = 0;
        while (p < counts.Length)
        {
            long x = 0;
            var k = 0;
            bool more;
            do
            {
                if (p >= counts.Length)
                    throw new RegionFormatException($"COCO RLE string ends inside a count (position {p}); the string is truncated");
                var ch = counts[p];
                if (ch < 48 || ch > 111)
                    throw new RegionFormatException($"COCO RLE string has an invalid character '{ch}' at position {p} (allowed: ASCII '0'..'o')");
                if (k >= 7)
                    throw new RegionFormatException($"COCO RLE string has a count longer than 7 characters at position {p}; it is corrupt");
                var c = ch - 48;
                x |= (long)(c & 0x1f) << (5 * k);
                more = (c & 0x20) != 0;
                p++;
                k++;
                if (!more && (c & 0x10) != 0) x |= -1L << (5 * k);
            } while (more);
            if (values.Count > 2) x += values[^2];
            if (x < 0 || x > uint.MaxValue)
                throw new RegionFormatException($"COCO RLE string decodes to an invalid run length {x} (count {values.Count}); it is corrupt");
            values.Add((uint)x);
        }
        return new CocoRle(height, width, values.ToArray());
    }

    /// <summary>
    /// Reads COCO RLE JSON <c>{"size": [h, w], "counts": "…" | [n, …]}</c> (compressed string or uncompressed integers).
    /// </summary>
    public static CocoRle FromJson(string json, string source = "RLE")
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json);
        }
        catch (JsonException e)
        {
            throw new RegionFormatException($"{source}: not valid JSON ({e.Message}); expected {{\"size\": [h, w], \"counts\": ...}}", e);
        }
        if (root is not JsonObject obj)
            throw new RegionFormatException($"{source}: expected a JSON object {{\"size\": [h, w], \"counts\": ...}}");
        if (obj["size"] is not JsonArray size || size.Count != 2 || !TryInt(size[0], out var h) || !TryInt(size[1], out var w))
            throw new RegionFormatException($"{source}: \"size\" must be [height, width], two integers");
        try
        {
            return obj["counts"] switch
            {
                JsonValue v when v.TryGetValue<string>(out var s) => FromCompressed(h, w, s),
                JsonArray a => FromUncompressed(h, w, a.Select((n, i) => TryLong(n, out var c)
                    ? c
                    : throw new RegionFormatException($"{source}: \"counts\"[{i}] is not an integer"))),
                _ => throw new RegionFormatException($"{source}: \"counts\" must be a compressed RLE string or an array of integers"),
            };
        }
        catch (RegionFormatException e) when (!e.Message.StartsWith(source, StringComparison.Ordinal))
        {
            throw new RegionFormatException($"{source}: {e.Message}", e);
        }
    }

    /// <summary>Run-length encodes a mask (pycocotools <c>encode</c>).</summary>
    public static CocoRle Encode(RegionMask mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        var counts = new List<uint>();
        byte previous = 0;
        uint run = 0;
        for (var x = 0; x < mask.Width; x++)
        for (var y = 0; y < mask.Height; y++)
        {
            var v = mask.Data[(long)y * mask.Width + x];
            if (v != previous)
            {
                counts.Add(run);
                run = 0;
                previous = v;
            }
            run++;
        }
        counts.Add(run);
        return new CocoRle(mask.Height, mask.Width, counts.ToArray());
    }

    /// <summary>Run-length encodes a mask already laid out column by column (<paramref name="height"/> bytes per column, each 0 or 1).</summary>
    public static CocoRle FromColumnMajor(ReadOnlySpan<byte> pixels, int height, int width)
    {
        var counts = new List<uint>();
        byte previous = 0;
        uint run = 0;
        foreach (var v in pixels)
        {
            if (v != previous)
            {
                counts.Add(run);
                run = 0;
                previous = v;
            }
            run++;
        }
        counts.Add(run);
        return new CocoRle(height, width, counts.ToArray());
    }

    /// <summary>The compressed string form (pycocotools <c>rleToString</c>).</summary>
    public string ToCompressedString()
    {
        var sb = new StringBuilder(_counts.Length * 2);
        for (var i = 0; i < _counts.Length; i++)
        {
            long x = _counts[i];
            if (i > 2) x -= _counts[i - 2];
            bool more;
            do
            {
                var c = (int)(x & 0x1f);
                x >>= 5;
                more = (c & 0x10) != 0 ? x != -1 : x != 0;
                if (more) c |= 0x20;
                sb.Append((char)(c + 48));
            } while (more);
        }
        return sb.ToString();
    }

    /// <summary>COCO RLE JSON with the compressed counts string.</summary>
    public string ToJson() => new JsonObject
    {
        ["size"] = new JsonArray(Height, Width),
        ["counts"] = ToCompressedString(),
    }.ToJsonString();

    /// <summary>Decodes to a row-major mask.</summary>
    public RegionMask ToMask()
    {
        var data = new byte[(long)Height * Width];
        long position = 0;
        byte value = 0;
        foreach (var run in _counts)
        {
            if (value == 1)
                for (var i = position; i < position + run; i++)
                {
                    // Column-major position i is pixel (y = i mod h, x = i div h).
                    var x = i / Height;
                    var y = i - x * Height;
                    data[y * Width + x] = 1;
                }
            position += run;
            value ^= 1;
        }
        return new RegionMask(Height, Width, data);
    }

    private static bool TryInt(JsonNode? node, out int value)
    {
        value = 0;
        if (!TryLong(node, out var l) || l < int.MinValue || l > int.MaxValue) return false;
        value = (int)l;
        return true;
    }

    private static bool TryLong(JsonNode? node, out long value)
    {
        value = 0;
        if (node is not JsonValue v) return false;
        if (v.TryGetValue(out long l)) { value = l; return true; }
        if (v.TryGetValue(out double d) && d == Math.Floor(d) && Math.Abs(d) < 9e15) { value = (long)d; return true; }
        return false;
    }
}
