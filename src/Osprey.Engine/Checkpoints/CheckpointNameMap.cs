namespace Osprey.Engine.Checkpoints;

/// <summary>
/// Translates published checkpoint tensor names to module parameter names and back. Rules are
/// prefix rewrites; the longest matching checkpoint prefix wins, so <c>model.mm_projector.*</c> is
/// not taken for a language-model key. Names of tensors that published checkpoints carry but the
/// forward pass never uses are reported as ignored rather than unexpected.
/// </summary>
public sealed class CheckpointNameMap
{
    public const string VisionTowerPrefix = "model.vision_tower.vision_tower.";
    public const string VisionTrunkPrefix = VisionTowerPrefix + "visual.trunk.";

    private readonly (string Checkpoint, string Module)[] _rules;
    private readonly string[] _ignoredPrefixes;
    private readonly string[] _ignoredSuffixes;

    public CheckpointNameMap(IEnumerable<(string CheckpointPrefix, string ModulePrefix)> rules,
        IEnumerable<string>? ignoredPrefixes = null, IEnumerable<string>? ignoredSuffixes = null)
    {
        _rules = rules.OrderByDescending(r => r.CheckpointPrefix.Length).ToArray();
        _ignoredPrefixes = ignoredPrefixes?.ToArray() ?? [];
        _ignoredSuffixes = ignoredSuffixes?.ToArray() ?? [];
    }

    /// <summary>
    /// The published Osprey layout: the language model under <paramref name="languageModelPrefix"/>,
    /// the ConvNeXt trunk as <c>vision_trunk</c>, the projector as <c>mm_projector</c>, the mask
    /// extractor as <c>mask_extractor</c>.
    /// </summary>
    public static CheckpointNameMap Osprey(string languageModelPrefix = "llm.") => new(
        [
            (VisionTrunkPrefix, "vision_trunk."),
            ("model.mm_projector.", "mm_projector."),
            ("mask_extractor.", "mask_extractor."),
            ("lm_head.", languageModelPrefix + "lm_head."),
            ("model.", languageModelPrefix + "model."),
        ],
        // timm's classifier-head norm and open_clip's projection head: saved with the tower, unused by Osprey.
        ignoredPrefixes: [VisionTrunkPrefix + "head.", VisionTowerPrefix + "visual.head."],
        // Older transformers versions persisted the RoPE frequencies; they are recomputed from rope_theta.
        ignoredSuffixes: [".self_attn.rotary_emb.inv_freq"]);

    /// <summary>A plain Hugging Face LLaMA checkpoint loaded into a LlamaForCausalLM placed at <paramref name="modulePrefix"/>.</summary>
    public static CheckpointNameMap Llama(string modulePrefix = "") => new(
        [
            ("lm_head.", modulePrefix + "lm_head."),
            ("model.", modulePrefix + "model."),
        ],
        ignoredSuffixes: [".self_attn.rotary_emb.inv_freq"]);

    /// <summary>Every name maps to itself; nothing is ignored.</summary>
    public static CheckpointNameMap Identity { get; } = new([("", "")]);

    public CheckpointNameMapping Map(string checkpointName)
    {
        if (IsIgnored(checkpointName)) return new(CheckpointNameKind.Ignored, null);
        foreach (var (checkpoint, module) in _rules)
            if (checkpointName.StartsWith(checkpoint, StringComparison.Ordinal) && checkpointName.Length > checkpoint.Length)
                return new(CheckpointNameKind.Module, module + checkpointName[checkpoint.Length..]);
        return new(CheckpointNameKind.Unmapped, null);
    }

    public bool IsIgnored(string checkpointName) =>
        _ignoredPrefixes.Any(p => checkpointName.StartsWith(p, StringComparison.Ordinal)) ||
        _ignoredSuffixes.Any(s => checkpointName.EndsWith(s, StringComparison.Ordinal));

    /// <summary>The module parameter a checkpoint tensor loads into, or null when ignored or unmapped.</summary>
    public string? ToModuleName(string checkpointName) => Map(checkpointName).ModuleName;

    /// <summary>The published name under which a module parameter is saved.</summary>
    /// <exception cref="CheckpointException">No rule produces a name that maps back to <paramref name="moduleName"/>.</exception>
    public string ToCheckpointName(string moduleName)
    {
        foreach (var (checkpoint, module) in _rules.OrderByDescending(r => r.Module.Length))
        {
            if (!moduleName.StartsWith(module, StringComparison.Ordinal) || moduleName.Length == module.Length) continue;
            var candidate = checkpoint + moduleName[module.Length..];
            // A rewrite is only valid if loading would bring the tensor back to the same parameter.
            if (Map(candidate) is { Kind: CheckpointNameKind.Module } m && m.ModuleName == moduleName) return candidate;
        }
        throw new CheckpointException(CheckpointError.UnmappedName,
            $"module parameter '{moduleName}' has no checkpoint name under this name map");
    }
}
