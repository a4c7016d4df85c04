using Osprey.Engine.Imaging;
using Osprey.Engine.Regions;
using Osprey.Training.Data;
using Osprey.Training.Synthetic;
using Osprey.Training.Synthetic.QuestionFamilies;

namespace Osprey.Training.Evaluation;

/// <summary>Turns synthetic samples and loaded dataset records into <see cref="EvalSample"/>s.</summary>
public static class EvalSampleSource
{
    /// <summary>
    /// The last question of the sample, earlier turns as context. In scenes with two or more objects the
    /// swapped masks move every region to the next object in drawing order (cyclically), whole-object mask.
    /// </summary>
    public static EvalSample FromSynthetic(InstructionSample sample)
    {
        var scene = sample.Scene;
        var image = new RgbImage(scene.Width, scene.Height, scene.Pixels);
        var (regions, swapped) = MasksOf(sample);
        return Build(sample.Family, image, regions, sample.Conversation) with { SwappedRegions = swapped };
    }

    /// <summary>
    /// The sample's region masks and, in scenes with two or more objects, the same regions moved to the next
    /// object in drawing order (cyclically, whole-object masks), for the mask-dependence check.
    /// </summary>
    public static (IReadOnlyList<RegionMask> Regions, IReadOnlyList<RegionMask>? Swapped) MasksOf(InstructionSample sample)
    {
        var scene = sample.Scene;
        var regions = sample.Regions.Select(r => Mask(scene, scene.MaskOf(r))).ToList();
        IReadOnlyList<RegionMask>? swapped = null;
        if (sample.Regions.Count > 0 && scene.Objects.Count > 1)
            swapped = sample.Regions
                .Select(r => Mask(scene, scene.Objects[(r.ObjectIndex + 1) % scene.Objects.Count].Mask))
                .ToList();
        return (regions, swapped);
    }

    /// <summary>
    /// The record's last question, earlier turns as context; family from the record or <paramref name="defaultFamily"/>.
    /// Records with two or more regions get swapped masks by rotating the regions one place.
    /// </summary>
    public static EvalSample FromRecord(RegionConversationRecord record, RgbImage image, string defaultFamily = "data")
    {
        IReadOnlyList<RegionMask>? swapped = record.Regions.Count > 1
            ? record.Regions.Skip(1).Append(record.Regions[0]).ToList()
            : null;
        return Build(record.Family ?? defaultFamily, image, record.Regions, record.Conversations) with { SwappedRegions = swapped };
    }

    private static EvalSample Build(string family, RgbImage image, IReadOnlyList<RegionMask> regions, IReadOnlyList<ConversationTurn> turns) =>
        new(family, image, regions, turns.Take(turns.Count - 2).ToList(), turns[^2].Value, turns[^1].Value);

    private static RegionMask Mask(SyntheticScene scene, byte[] mask) => RegionMaskCodec.FromBinary(scene.Height, scene.Width, mask);
}
