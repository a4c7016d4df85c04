namespace Osprey.Training.Synthetic.QuestionFamilies;

/// <summary>
/// Negatives for yes/no questions in the spirit of the Osprey paper's hallucination-robustness data:
/// either the attribute of the nearest other object in the same scene (spatial-aware), or a look-alike
/// of the true attribute (class-aware), so "no" cannot be answered from a prior over what is absent.
/// </summary>
public static class HardNegativeMiner
{
    public static ShapeCategory NegativeCategory(SyntheticScene scene, SceneObject obj, SeededRandom rng)
    {
        if (rng.Chance(0.5) && Nearest(scene, obj, o => o.Category != obj.Category) is { } near) return near.Category;
        return rng.Pick(obj.Category.LookAlikes());
    }

    public static NamedColour NegativeColour(SyntheticScene scene, SceneObject obj, SeededRandom rng)
    {
        if (rng.Chance(0.5) && Nearest(scene, obj, o => o.Colour != obj.Colour) is { } near) return near.Colour;
        return rng.Pick(obj.Colour.LookAlikes());
    }

    private static SceneObject? Nearest(SyntheticScene scene, SceneObject obj, Func<SceneObject, bool> differs) =>
        scene.Objects
            .Where(o => o.Index != obj.Index && differs(o))
            .OrderBy(o => Math.Pow(o.CentroidX - obj.CentroidX, 2) + Math.Pow(o.CentroidY - obj.CentroidY, 2))
            .ThenBy(o => o.Index)
            .FirstOrDefault();
}
