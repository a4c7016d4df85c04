namespace Osprey.Engine.Segmentation;

/// <summary>A click in original-image pixels: label 1 marks the object (foreground), 0 what is not it (background).</summary>
public readonly record struct SamPoint(double X, double Y, int Label);
