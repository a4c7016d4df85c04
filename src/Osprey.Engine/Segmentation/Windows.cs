using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Segmentation;

/// <summary>
/// Splits a token grid [B, H, W, C] into non-overlapping w×w windows (zero-padded at the bottom and
/// right to whole windows) and puts them back, as the windowed encoder blocks attend within each.
/// </summary>
internal static class Windows
{
    public static (Tensor Windows, int PaddedHeight, int PaddedWidth) Partition(Tensor x, int size)
    {
        using var scope = NewDisposeScope();
        var (b, h, w, c) = (x.shape[0], (int)x.shape[1], (int)x.shape[2], x.shape[3]);
        var padH = (size - h % size) % size;
        var padW = (size - w % size) % size;
        if (padH > 0 || padW > 0) x = nn.functional.pad(x, [0, 0, 0, padW, 0, padH]);
        int hp = h + padH, wp = w + padW;
        var windows = x.view(b, hp / size, size, wp / size, size, c).permute(0, 1, 3, 2, 4, 5).contiguous().view(-1, size, size, c);
        return (scope.MoveToOuter(windows), hp, wp);
    }

    public static Tensor Unpartition(Tensor windows, int size, int paddedHeight, int paddedWidth, int height, int width)
    {
        using var scope = NewDisposeScope();
        var b = windows.shape[0] / ((long)paddedHeight * paddedWidth / size / size);
        var x = windows.view(b, paddedHeight / size, paddedWidth / size, size, size, -1).permute(0, 1, 3, 2, 4, 5).contiguous()
            .view(b, paddedHeight, paddedWidth, -1);
        if (paddedHeight > height || paddedWidth > width) x = x[.., ..height, ..width, ..].contiguous();
        return scope.MoveToOuter(x);
    }
}
