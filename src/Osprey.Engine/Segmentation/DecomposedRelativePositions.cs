using Osprey.Engine.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Segmentation;

/// <summary>
/// The image encoder's relative position bias (MViTv2's decomposed form): the bias between a query at
/// (y, x) and a key at (y', x') is q·Rh[y − y'] + q·Rw[x − x'], each table indexed by the offset
/// shifted to be non-negative. A table trained for another span is resized linearly first.
/// </summary>
internal static class DecomposedRelativePositions
{
    /// <summary>Adds the bias to attention logits [B·heads, qh·qw, kh·kw] in place and returns them; <paramref name="q"/> is the unscaled query [B·heads, qh·qw, d].</summary>
    public static Tensor Add(Tensor attention, Tensor q, Tensor relPosH, Tensor relPosW, int height, int width)
    {
        using var scope = NewDisposeScope();
        var rh = Offsets(height, relPosH);
        var rw = Offsets(width, relPosW);
        var b = q.shape[0];
        var dim = q.shape[2];
        var grid = q.reshape(b, height, width, dim);
        var relH = einsum("bhwc,hkc->bhwk", grid, rh);
        var relW = einsum("bhwc,wkc->bhwk", grid, rw);
        // In place: a new tensor of the scores' size costs a fresh allocation the size of the scores, and
        // the attention's caller owns these logits (the product q·kᵀ, which its backward does not need).
        attention.view(b, height, width, height, width).add_(relH.unsqueeze(4), PinnedScalars.One).add_(relW.unsqueeze(3), PinnedScalars.One);
        return attention;
    }

    /// <summary>R[q, k] = table[q − k + size − 1] for equal query and key spans.</summary>
    private static Tensor Offsets(int size, Tensor table)
    {
        var span = 2 * size - 1;
        var resized = table.shape[0] == span
            ? table
            : nn.functional.interpolate(table.reshape(1, table.shape[0], -1).permute(0, 2, 1), size: [span], mode: InterpolationMode.Linear)
                .reshape(-1, span).permute(1, 0);
        // Built on the host: arange's short overloads would make temporary native Scalars (see PinnedScalars).
        var offsets = new long[size * size];
        for (var q = 0; q < size; q++)
            for (var k = 0; k < size; k++) offsets[q * size + k] = q - k + size - 1;
        return resized[tensor(offsets, [size, size], device: table.device)];
    }
}
