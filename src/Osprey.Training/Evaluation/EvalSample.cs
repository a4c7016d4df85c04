using Osprey.Engine.Imaging;
using Osprey.Engine.Regions;
using Osprey.Training.Data;

namespace Osprey.Training.Evaluation;

/// <summary>
/// One question to put to a model: the image, the regions (the k-th <c>&lt;mask&gt;&lt;pos&gt;</c> in
/// <see cref="Context"/> then <see cref="Question"/> is <c>Regions[k-1]</c>), earlier turns with their
/// reference answers, and the expected answer. <see cref="SwappedRegions"/>, when present, are the same
/// regions' masks moved to other objects of the scene, for the mask-dependence check.
/// </summary>
public sealed record EvalSample(
    string Family,
    RgbImage Image,
    IReadOnlyList<RegionMask> Regions,
    IReadOnlyList<ConversationTurn> Context,
    string Question,
    string ExpectedAnswer)
{
    public IReadOnlyList<RegionMask>? SwappedRegions { get; init; }
}
