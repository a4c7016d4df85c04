using Osprey.Engine.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Multimodal;

/// <summary>
/// One image's encode (<see cref="OspreyModel.EncodeImage"/>) a slice at a time: the trunk's slices
/// (<see cref="ConvNeXtTrunkPass"/>), then the projector's first half, then its second half
/// <see cref="ProjectedTokensPerSlice"/> image tokens at a time. Run in a row or with pauses between
/// slices, the same operations run in the same order, so the features are the same bits.
/// </summary>
public sealed class ImageEncodePass : IDisposable
{
    /// <summary>
    /// Image tokens per slice of the projector's second half. At the published size that half is an
    /// H→H product over 1,024 tokens, 34 GFLOP, about three ConvNeXt blocks: whole, it was an encode's
    /// longest slice (113 ms against a 45 ms decode step in bf16 on a 2-core AVX512_BF16 CPU, 2026-12-05).
    /// </summary>
    public const int ProjectedTokensPerSlice = 256;

    private readonly MlpProjector _projector;
    private readonly Tensor _pixels;
    private readonly ConvNeXtTrunkPass _trunk;
    private ImageFeatures? _features;
    private VisionFeatures? _levels;
    private Tensor? _hidden;
    private readonly List<Tensor> _projectedRows = [];
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
        var hidden = _hidden!;
        var start = _projectedRows.Count * ProjectedTokensPerSlice;
        var rows = (int)Math.Min(ProjectedTokensPerSlice, hidden.shape[0] - start);
        using (var slice = hidden.narrow(0, start, rows))
            _projectedRows.Add(_projector.Project(slice));
        if (start + rows < hidden.shape[0]) return;
        var tokens = _projectedRows.Count == 1 ? _projectedRows[0] : torch.cat(_projectedRows, 0);
        if (_projectedRows.Count > 1) DisposeProjectedRows();
        _projectedRows.Clear();
        hidden.Dispose();
        _hidden = null;
        _features = new ImageFeatures(_levels, tokens);
        _levels = null;
        _projected = true;
    }

    private void DisposeProjectedRows()
    {
        foreach (var rows in _projectedRows) rows.Dispose();
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
        DisposeProjectedRows();
        _projectedRows.Clear();
        _hidden?.Dispose();
        _levels?.Dispose();
        _features?.Dispose();
        _features = null;
        _pixels.Dispose();
    }
}
