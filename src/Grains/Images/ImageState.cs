namespace OspreyCluster.Grains.Images;

/// <summary>What an image grain stores durably: the original bytes (features are recomputed from them) and the size.</summary>
[GenerateSerializer]
public sealed class ImageState
{
    [Id(0)] public byte[] Bytes { get; set; } = [];
    [Id(1)] public int Width { get; set; }
    [Id(2)] public int Height { get; set; }
}
