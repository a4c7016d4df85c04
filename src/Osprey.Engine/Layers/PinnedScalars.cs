using TorchSharp;

namespace Osprey.Engine.Layers;

/// <summary>
/// Scalars that live as long as the process. TorchSharp turns a number argument (and the implicit
/// alpha of <c>add(Tensor)</c>) into a native Scalar that nothing keeps reachable during the call, so
/// the GC may finalise it while libtorch still reads it. Hot paths pass these, or a Scalar they own,
/// instead. (A "Scalar::toFloat" failure still ends long training runs now and then; its cause is
/// not found yet, and the trainer's checkpoints are what make it survivable.)
/// </summary>
public static class PinnedScalars
{
    public static readonly Scalar Zero = 0;
    public static readonly Scalar One = 1;
    public static readonly Scalar NegativeInfinity = double.NegativeInfinity;
}
