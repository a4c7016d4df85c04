namespace Osprey.Engine.Segmentation;

/// <summary>A box prompt in original-image pixels, top-left (X0, Y0) to bottom-right (X1, Y1).</summary>
public readonly record struct SamBox(double X0, double Y0, double X1, double Y1);
