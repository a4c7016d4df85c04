using TorchSharp;

namespace Osprey.Engine.Layers;

/// <summary>
/// Scalars that live as long as the process. TorchSharp turns a number argument into a native Scalar
/// that nothing keeps reachable during the call, so the GC may finalise it while libtorch still reads
/// it; overloads without an alpha (<c>add(Tensor)</c>, <c>add_(Scalar)</c>) create such a temporary
/// alpha of 1 themselves. A freed Scalar shows up as a failed "Scalar::toFloat" check: mask pooling's
/// <c>add_(epsilon)</c> did this every few minutes of training until it passed its own alpha, and
/// <c>square()</c> (TorchSharp's <c>pow(2)</c>) in RMSNorm stopped a training run with "Unknown scalar
/// type"; the short <c>torch.arange</c> overloads make temporary start and step Scalars the same way.
/// Hot paths pass these, or a Scalar they own (<c>using Scalar</c>), never a bare number.
/// </summary>
public static class PinnedScalars
{
    public static readonly Scalar Zero = 0;
    public static readonly Scalar One = 1;
    public static readonly Scalar Two = 2;
    public static readonly Scalar NegativeInfinity = double.NegativeInfinity;
}
