using Osprey.Engine.Regions;

namespace Osprey.Engine.Segmentation;

/// <summary>
/// The masks of one prompt: each one's predicted IoU, its low-resolution logits (row-major
/// [<see cref="LowResHeight"/>, <see cref="LowResWidth"/>], the decoder's 4× grid before upscaling),
/// and the full-size mask (logit &gt; 0).
/// </summary>
public sealed record SamPrediction(float[] IouPredictions, float[][] LowResLogits, int LowResHeight, int LowResWidth, RegionMask[] Masks);
