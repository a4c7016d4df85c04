using static TorchSharp.torch;

namespace Osprey.Engine.Vision;

/// <summary>
/// One image's way through a <see cref="ConvNeXtTrunk"/>, a slice at a time: the stem, then each
/// stage's downsample and each of its blocks. <see cref="ConvNeXtTrunk.forward"/> runs every slice in a
/// row, a serving encoder pauses between them to let decode steps use the cores; either way the same
/// operations run in the same order, so the features are the same bits.
/// </summary>
public sealed class ConvNeXtTrunkPass : IDisposable
{
    private readonly ConvNeXtTrunk _trunk;
    private Tensor? _pixels;
    private Tensor? _x;
    private readonly Tensor?[] _outputs = new Tensor?[4];
    private int _stage, _block = -1;

    /// <param name="pixels">Normalised pixels [1, 3, H, W], H and W multiples of 32 (not owned).</param>
    public ConvNeXtTrunkPass(ConvNeXtTrunk trunk, Tensor pixels)
    {
        ConvNeXtTrunk.CheckPixels(pixels);
        _trunk = trunk;
        _pixels = pixels;
    }

    /// <summary>Slices in a whole pass: the stem, then per stage its downsample (if any) and its blocks.</summary>
    public int SliceCount => 1 + _trunk.stages.Sum(s => (s.downsample is null ? 0 : 1) + s.blocks.Count);

    public bool IsDone => _stage == 4;

    /// <summary>Runs the next slice.</summary>
    public void RunSlice()
    {
        if (IsDone) throw new InvalidOperationException("The trunk pass has run every slice.");
        if (_pixels is { } pixels)
        {
            using var scope = NewDisposeScope();
            // The stem's LayerNorm leaves the map channels-last in memory; every later op keeps that
            // layout, so the blocks' channels-last views are free.
            var weight = ((Conv2d)_trunk.stem[0]).weight;
            _x = scope.MoveToOuter(_trunk.stem.forward(pixels.to(weight.dtype, weight.device)));
            _pixels = null;
            SkipEmptyStages();
            return;
        }
        var stage = _trunk.stages[_stage];
        if (_block == -1)
        {
            _block = 0;
            // A stage without a downsample starts with its first block in this slice.
            if (stage.downsample is not null)
            {
                Replace(stage.downsample.forward(_x!));
                if (stage.blocks.Count == 0) EndStage();
                return;
            }
        }
        Replace(stage.blocks[_block].forward(_x!));
        _block++;
        if (_block == stage.blocks.Count) EndStage();
    }

    /// <summary>res2..res5, once every slice has run; the caller owns them.</summary>
    public VisionFeatures TakeFeatures()
    {
        if (!IsDone) throw new InvalidOperationException("The trunk pass has slices left to run.");
        var features = new VisionFeatures(_outputs[0]!, _outputs[1]!, _outputs[2]!, _outputs[3]!);
        Array.Clear(_outputs);
        return features;
    }

    private void Replace(Tensor next)
    {
        // The previous stage's output is kept (as its contiguous copy); anything else in between is dropped.
        _x!.Dispose();
        _x = next;
    }

    private void EndStage()
    {
        _outputs[_stage] = _x!.contiguous();
        _stage++;
        _block = -1;
        SkipEmptyStages();
    }

    /// <summary>A stage with neither downsample nor blocks passes its input on unchanged.</summary>
    private void SkipEmptyStages()
    {
        while (_stage < 4 && _trunk.stages[_stage] is { downsample: null, blocks.Count: 0 })
        {
            _outputs[_stage] = _x!.contiguous();
            _stage++;
        }
        if (_stage == 4)
        {
            _x!.Dispose();
            _x = null;
        }
    }

    public void Dispose()
    {
        _x?.Dispose();
        foreach (var output in _outputs) output?.Dispose();
        Array.Clear(_outputs);
        _x = null;
    }
}
