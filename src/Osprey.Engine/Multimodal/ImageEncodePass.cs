using Osprey.Engine.Vision;
using static TorchSharp.torch;

namespace Osprey.Engine.Multimodal;

/// <summary>
/// One image's encode (<see cref="OspreyModel.EncodeImage"/>) a slice at a time: the trunk's slices
/// (<see cref="ConvNeXtTrunkPass"/>), then the projector. Run in a row or with pauses between slices,
/// the same operations run in the same order, so the features are the same bits.
/// </summary>
public sealed class ImageEncodePass : IDisposable
{
    private readonly MlpProjector _projector;
    private readonly Tensor _pixels;
    private readonly ConvNeXtTrunkPass _trunk;
    private ImageFeatures? _features;
    private bool _projected;

    internal ImageEncodePass(OspreyModel model, Tensor pixelValues)
    {
        _projector = model.mm_projector;
        _pixels = pixelValues.to(model.DType, model.Device);
        try
        {
            _trunk = new ConvNeXtTrunkPass(model.vision_trunk, _pixels);
        }
        catch
        {
            _pixels.Dispose();
            throw;
        }
    }

    /// <summary>The trunk's slices and the projector's.</summary>
    public int SliceCount => _trunk.SliceCount + 1;

    public bool IsDone => _projected;

    public void RunSlice()
    {
        if (IsDone) throw new InvalidOperationException("The image encode has run every slice.");
        if (!_trunk.IsDone)
        {
            _trunk.RunSlice();
            return;
        }
        using var scope = NewDisposeScope();
        var levels = _trunk.TakeFeatures();
        try
        {
            _features = new ImageFeatures(levels, scope.MoveToOuter(_projector.forward(levels.Res4)));
            _projected = true;
        }
        catch
        {
            levels.Dispose();
            throw;
        }
    }

    /// <summary>The features, once every slice has run; the caller owns them.</summary>
    public ImageFeatures TakeFeatures()
    {
        var features = _features ?? throw new InvalidOperationException(_projected
            ? "The image encode's features were taken already."
            : "The image encode has slices left to run.");
        _features = null;
        return features;
    }

    public void Dispose()
    {
        _trunk.Dispose();
        _features?.Dispose();
        _features = null;
        _pixels.Dispose();
    }
}
