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
    private static readonly Scalar MinusOne = -1.0;
    private static readonly Scalar TwoPi = 2 * Math.PI;

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
        var centred = unitCoords.mul(PinnedScalars.Two).add_(MinusOne, PinnedScalars.One);
        var phases = centred.matmul(positional_encoding_gaussian_matrix).mul_(TwoPi);
        return scope.MoveToOuter(cat([phases.sin(), phases.cos()], -1));
    }

    /// <summary>The encoding of every cell centre of an h×w grid, [1, dim, h, w].</summary>
    public Tensor Grid(int height, int width)
    {
        using var scope = NewDisposeScope();
        // Cell centres in float32, as the reference's cumsum − 0.5 then / size gives them.
        var coords = new float[height * width * 2];
        for (var i = 0; i < height; i++)
            for (var j = 0; j < width; j++)
            {
                coords[2 * (i * width + j)] = (j + 0.5f) / width;
                coords[2 * (i * width + j) + 1] = (i + 0.5f) / height;
            }
        var grid = tensor(coords, [height, width, 2], device: positional_encoding_gaussian_matrix.device);
        return scope.MoveToOuter(Encode(grid).permute(2, 0, 1).unsqueeze(0).contiguous());
    }

    /// <summary>Pixel coordinates of the encoder input [..., 2] to encodings, x over the width and y over the height.</summary>
    public Tensor EncodePixels(Tensor pixelCoords, int imageHeight, int imageWidth)
    {
        using var scope = NewDisposeScope();
        var unit = pixelCoords / tensor(new[] { (float)imageWidth, imageHeight }, device: pixelCoords.device);
        return scope.MoveToOuter(Encode(unit));
    }
}
