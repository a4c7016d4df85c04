using static TorchSharp.torch;

namespace Osprey.Engine.Vision;

/// <summary>
/// The trunk's four stage outputs for one image: res2..res5, each [1, C_L, h_L, w_L] at strides
/// 4, 8, 16, 32 (128², 64², 32², 16² for a 512² input). Owns the tensors.
/// </summary>
public sealed class VisionFeatures : IDisposable
{
    public Tensor Res2 { get; }
    public Tensor Res3 { get; }
    public Tensor Res4 { get; }
    public Tensor Res5 { get; }

    public VisionFeatures(Tensor res2, Tensor res3, Tensor res4, Tensor res5)
    {
        foreach (var (t, label) in new[] { (res2, "res2"), (res3, "res3"), (res4, "res4"), (res5, "res5") })
            if (t.dim() != 4 || t.shape[0] != 1)
                throw new ArgumentException($"{label} must be [1, C, h, w], got [{string.Join(", ", t.shape)}]");
        Res2 = res2;
        Res3 = res3;
        Res4 = res4;
        Res5 = res5;
    }

    /// <summary>res2..res5 in order (the mask extractor's four levels).</summary>
    public IReadOnlyList<Tensor> Levels => [Res2, Res3, Res4, Res5];

    public void Dispose()
    {
        Res2.Dispose();
        Res3.Dispose();
        Res4.Dispose();
        Res5.Dispose();
    }
}
