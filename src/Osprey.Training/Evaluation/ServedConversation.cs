using Osprey.Engine.Imaging;
using Osprey.Engine.Regions;

namespace Osprey.Training.Evaluation;

/// <summary>
/// A conversation to hold with a model through the serving path: its turns asked one after another
/// in one <see cref="Osprey.Engine.Serving.RegionChat"/>, the model's own answers as history, or (for
/// <see cref="DemoDescription"/>) the demo's single-region description question that <c>/describe</c>
/// serves. <see cref="SwappedRegions"/>, when present, are the same regions' masks moved to other
/// objects, for the mask-dependence check. <see cref="Table"/> says which report table it counts in.
/// </summary>
public sealed record ServedConversation(
    string Table,
    RgbImage Image,
    IReadOnlyList<RegionMask> Regions,
    IReadOnlyList<ServedTurn> Turns,
    bool DemoDescription = false)
{
    public const string ConversationTable = "conversation";
    public const string SingleTable = "single";

    public IReadOnlyList<RegionMask>? SwappedRegions { get; init; }
}
