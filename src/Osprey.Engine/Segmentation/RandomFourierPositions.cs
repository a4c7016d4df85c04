using Osprey.Engine.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Osprey.Engine.Segmentation;

/// <summary>
/// SAM's positional encoding by random spatial frequencies (<c>pe_layer</c>): a point (x, y) in
/// [0, 1]² becomes [sin, cos](2π·(2·(x, y) − 1)·G) with the fixed Gaussian matrix G [2, dim/2]
/// (<c>positional_encoding_gaussian_matrix</c>). The same encoding serves prompts and the image grid.
/// </summary>
public sealed class RandomFourierPositions : nn.Module
{
    public Parameter positional_encoding_gaussian_matrix;

    public RandomFourierPositions(int dim, ParameterAllocation alloc, string name = "RandomFourierPositions") : base(name)
    {
        positional_encoding_gaussian_matrix = alloc.Empty(2, dim / 2);
        RegisterComponents();
    }

    /// <summary>Normalised coordinates [..., 2] (x, y) to encodings [..., dim].</summary>
    public Tensor Encode(Tensor unitCoords)
    {
        using var scope = NewDisposeScope();
        var centred = unitCoords * 2.0f - 1.0f;
        var phases = centred.matmul(positional_encoding_gaussian_matrix) * (float)(2 * Math.PI);
        return scope.MoveToOuter(cat([phases.sin(), phases.cos()], -1));
    }

    /// <summary>The encoding of every cell centre of an h×w grid, [1, dim, h, w].</summary>
    public Tensor Grid(int height, int width)
    {
        using var scope = NewDisposeScope();
        var device = positional_encoding_gaussian_matrix.device;
        var y = (arange(height, dtype: ScalarType.Float32, device: device) + 0.5f) / height;
        var x = (arange(width, dtype: ScalarType.Float32, device: device) + 0.5f) / width;
        var coords = stack([x.unsqueeze(0).expand(height, width), y.unsqueeze(1).expand(height, width)], -1);
        return scope.MoveToOuter(Encode(coords).permute(2, 0, 1).unsqueeze(0).contiguous());
    }

    /// <summary>Pixel coordinates of the encoder input [..., 2] to encodings, x over the width and y over the height.</summary>
    public Tensor EncodePixels(Tensor pixelCoords, int imageHeight, int imageWidth)
    {
        using var scope = NewDisposeScope();
        var unit = pixelCoords / tensor(new[] { (float)imageWidth, imageHeight }, device: pixelCoords.device);
        return scope.MoveToOuter(Encode(unit));
    }
}
