namespace Osprey.Training.Training;

/// <summary>Parses the <c>--stage</c> option into the modules it trains.</summary>
public static class TrainingStage
{
    /// <summary>"1", "2", "3", "all", or a comma list of llm, vision_trunk, mm_projector, mask_extractor.</summary>
    public static TrainableModules Parse(string stage) => stage.Trim().ToLowerInvariant() switch
    {
        "1" => TrainableModules.Projector,
        "2" => TrainableModules.MaskExtractor,
        "3" => TrainableModules.Projector | TrainableModules.MaskExtractor | TrainableModules.Llm,
        "all" => TrainableModules.All,
        var list => list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(ParseModule).Aggregate(TrainableModules.None, (a, b) => a | b) is var m && m != TrainableModules.None
            ? m
            : throw new ArgumentException($"stage '{stage}' selects no module"),
    };

    private static TrainableModules ParseModule(string name) => name switch
    {
        "llm" => TrainableModules.Llm,
        "vision_trunk" => TrainableModules.VisionTrunk,
        "mm_projector" => TrainableModules.Projector,
        "mask_extractor" => TrainableModules.MaskExtractor,
        _ => throw new ArgumentException(
            $"unknown stage or module '{name}': use 1, 2, 3, all, or a comma list of llm, vision_trunk, mm_projector, mask_extractor"),
    };

    /// <summary>Whether a parameter (named as in <c>named_parameters</c>) belongs to the selected modules.</summary>
    public static bool Selects(TrainableModules modules, string parameterName) =>
        Prefixes(modules).Any(p => parameterName.StartsWith(p, StringComparison.Ordinal));

    /// <summary>The submodule name prefixes (as in <c>named_parameters</c>) a selection trains.</summary>
    public static IReadOnlyList<string> Prefixes(TrainableModules modules)
    {
        var prefixes = new List<string>();
        if (modules.HasFlag(TrainableModules.Llm)) prefixes.Add("llm.");
        if (modules.HasFlag(TrainableModules.VisionTrunk)) prefixes.Add("vision_trunk.");
        if (modules.HasFlag(TrainableModules.Projector)) prefixes.Add("mm_projector.");
        if (modules.HasFlag(TrainableModules.MaskExtractor)) prefixes.Add("mask_extractor.");
        return prefixes;
    }
}
