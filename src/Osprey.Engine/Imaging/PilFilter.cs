namespace Osprey.Engine.Imaging;

/// <summary>The Pillow resampling filters the models' reference pipelines use: CLIP's bicubic, Segment Anything's bilinear.</summary>
public enum PilFilter
{
    Bilinear,
    Bicubic,
}
