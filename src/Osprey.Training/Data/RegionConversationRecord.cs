using Osprey.Engine.Imaging;
using Osprey.Engine.Regions;

namespace Osprey.Training.Data;

/// <summary>
/// One validated mask–text record: the k-th <c>&lt;mask&gt;&lt;pos&gt;</c> of the human turns (in order)
/// refers to <c>Regions[k-1]</c>, each mask at the image's Height × Width.
/// </summary>
public sealed record RegionConversationRecord(
    int Index,
    string ImagePath,
    int Height,
    int Width,
    IReadOnlyList<RegionMask> Regions,
    IReadOnlyList<ConversationTurn> Conversations,
    string? Family)
{
    /// <summary>Decodes the image and checks it has the size the record declares.</summary>
    public RgbImage LoadImage(ImageDecoder decoder)
    {
        var image = decoder.DecodeFile(ImagePath);
        if (image.Width != Width || image.Height != Height)
            throw new RegionDatasetException(Index, RegionDatasetProblem.SizeMismatch,
                $"image '{ImagePath}' is {image.Width}x{image.Height} but the record says width {Width}, height {Height}");
        return image;
    }
}
