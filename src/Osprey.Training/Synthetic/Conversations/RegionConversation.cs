namespace Osprey.Training.Synthetic.Conversations;

/// <summary>
/// The state a question of a region conversation is asked in: the scene, its regions (region k is
/// <c>Regions[k-1]</c>) and the region the previous question was about.
/// </summary>
public sealed class RegionConversation(SyntheticScene scene, IReadOnlyList<SceneRegion> regions)
{
    public SyntheticScene Scene { get; } = scene;

    public IReadOnlyList<SceneRegion> Regions { get; } = regions;

    /// <summary>The region number the previous question asked about alone, if it did.</summary>
    public int? LastRegion { get; set; }

    /// <summary>Numbers of the regions that are whole objects.</summary>
    public IReadOnlyList<int> WholeObjects =>
        Enumerable.Range(1, Regions.Count).Where(k => Regions[k - 1].PartName is null).ToList();

    /// <summary>Numbers of the regions that are parts of objects.</summary>
    public IReadOnlyList<int> Parts =>
        Enumerable.Range(1, Regions.Count).Where(k => Regions[k - 1].PartName is not null).ToList();

    public SceneObject ObjectOf(int regionNumber) => Scene.Objects[Regions[regionNumber - 1].ObjectIndex];
}
