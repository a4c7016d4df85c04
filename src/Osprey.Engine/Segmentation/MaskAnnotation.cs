using Osprey.Engine.Regions;

namespace Osprey.Engine.Segmentation;

/// <summary>
/// One mask of segment-everything, as the reference reports it: the mask, its area, its box (X, Y,
/// W, H with inclusive pixel edges, so W = x1 − x0), the decoder's predicted IoU, the stability
/// score, the click that produced it, and the crop it was found in (X, Y, W, H).
/// </summary>
public sealed record MaskAnnotation(CocoRle Segmentation, long Area, int[] Bbox, float PredictedIou, float StabilityScore,
    double PointX, double PointY, int[] CropBox);
