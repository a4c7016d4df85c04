namespace Osprey.Training.Data;

/// <summary>Where a conversation's regions enter its text, which decides how its first turn is templated.</summary>
public enum RegionLayout
{
    /// <summary>
    /// Each region's <c>&lt;mask&gt;&lt;pos&gt;</c> pair sits where the region is mentioned, the k-th pair
    /// binding region k: Osprey-724K records (<c>&lt;region&gt;</c>), the demo's single-region description
    /// question, and the per-question synthetic data the default model's first rounds were trained on.
    /// </summary>
    Inline,

    /// <summary>
    /// Osprey's multi-region conversation (spec §6): the first user message introduces every region
    /// (<c>region1&lt;mask&gt;&lt;pos&gt;,region2&lt;mask&gt;&lt;pos&gt;</c>) and every question names them as plain
    /// <c>regionK</c>, which is what the gateway serves.
    /// </summary>
    Introduced,
}
