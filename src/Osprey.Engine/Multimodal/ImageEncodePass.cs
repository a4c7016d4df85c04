using Osprey.Engine.Vision;
using static TorchSharp.torch;

namespace Osprey.Engine.Multimodal;

/// <summary>
/// One image's encode (<see cref="OspreyModel.EncodeImage"/>) a slice at a time: the trunk's slices
/// (<see cref="ConvNeXtTrunkPass"/>), then the projector's two halves. Run in a row or with pauses between slices,
/// the same operations run in the same order, so the features are the same bits.
/// </summary>
public sealed class ImageEncodePass : IDisposable
{
    private readonly MlpProjector _projector;
    private readonly Tensor _pixels;
    private readonly ConvNeXtTrunkPass _trunk;
    private ImageFeatures? _features;
    private VisionFeatures? _levels;
    private Tensor? _hidden;
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

    /// <summary>The trunk's slices and the projector's two.</summary>
    public int SliceCount => _trunk.SliceCount + 2;

    public bool IsDone => _projected;

    public void RunSlice()
    {
        if (IsDone) throw new InvalidOperationException("The image encode has run every slice.");
        if (!_trunk.IsDone)
        {
            _trunk.RunSlice();
            return;
        }
        if (_levels is null)
        {
            _levels = _trunk.TakeFeatures();
            _hidden = _projector.Hidden(_levels.Res4);
            return;
        }
        using (var hidden = _hidden!)
        {
            _hidden = null;
            _features = new ImageFeatures(_levels, _projector.Project(hidden));
            _levels = null;
            _projected = true;
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
        _hidden?.Dispose();
        _levels?.Dispose();
        _features?.Dispose();
        _features = null;
        _pixels.Dispose();
    }
}
