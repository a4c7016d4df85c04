using static TorchSharp.torch;

namespace Osprey.Engine.Regions;

/// <summary>A binary region at the image's original resolution: row-major bytes, 1 inside, 0 outside.</summary>
public sealed class RegionMask : IEquatable<RegionMask>
{
    public int Height { get; }
    public int Width { get; }

    /// <summary><c>Height * Width</c> bytes, each 0 or 1, rows top to bottom.</summary>
    public byte[] Data { get; }

    /// <summary>Number of pixels inside.</summary>
    public long Area { get; }

    public RegionMask(int height, int width, byte[] data)
    {
        if (height <= 0 || width <= 0)
            throw new RegionFormatException($"a region mask must have a positive size, got {width}x{height} (width x height)");
        ArgumentNullException.ThrowIfNull(data);
        if (data.LongLength != (long)height * width)
            throw new ArgumentException($"expected {(long)height * width} mask bytes for {width}x{height}, got {data.LongLength}", nameof(data));
        long area = 0;
        foreach (var v in data)
        {
            if (v > 1) throw new ArgumentException($"mask bytes must be 0 or 1, found {v}", nameof(data));
            area += v;
        }
        Height = height;
        Width = width;
        Data = data;
        Area = area;
    }

    public bool this[int y, int x] => Data[(long)y * Width + x] != 0;

    /// <summary>The mask as float32 [Height, Width] with 1.0 inside, on the CPU.</summary>
    public Tensor ToTensor()
    {
        var values = new float[Data.Length];
        for (var i = 0; i < values.Length; i++) values[i] = Data[i];
        return tensor(values, [Height, Width], ScalarType.Float32);
    }

    /// <summary>Throws <see cref="RegionSizeMismatchException"/> unless the mask is <paramref name="height"/> × <paramref name="width"/>.</summary>
    public RegionMask EnsureSize(int height, int width, string source)
    {
        if (Height != height || Width != width) throw new RegionSizeMismatchException(source, Height, Width, height, width);
        return this;
    }

    /// <summary>Throws <see cref="EmptyRegionException"/> when no pixel is inside.</summary>
    public RegionMask EnsureNotEmpty(string source)
    {
        if (Area == 0) throw new EmptyRegionException(source);
        return this;
    }

    public bool Equals(RegionMask? other)
        => other is not null && Height == other.Height && Width == other.Width && Data.AsSpan().SequenceEqual(other.Data);

    public override bool Equals(object? obj) => Equals(obj as RegionMask);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Height);
        hash.Add(Width);
        hash.AddBytes(Data);
        return hash.ToHashCode();
    }

    public override string ToString() => $"RegionMask {Width}x{Height}, area {Area}";
}
