using System.Text;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Osprey.Engine.Checkpoints;

/// <summary>
/// Fills a module's parameters from a weight source, strictly: every parameter must be provided with
/// its exact shape, and every checkpoint tensor must land in a parameter unless the name map knows
/// it to be unused. Everything is checked before the first byte is read. Tensors are then read one
/// at a time and copied into the existing parameter storage (converting dtype and device on the
/// way), so peak memory is the module's weights plus the largest stored tensor.
/// </summary>
public static class ModuleWeightLoader
{
    private const int MaxListedNames = 20;

    /// <exception cref="CheckpointException">
    /// <see cref="CheckpointError.TiedHeadConflict"/>, <see cref="CheckpointError.ShapeMismatch"/>,
    /// <see cref="CheckpointError.MissingTensors"/>, <see cref="CheckpointError.UnexpectedTensors"/>
    /// (the message lists every problem found), or a read error from the source.
    /// </exception>
    public static LoadReport Load(nn.Module module, IWeightSource source, CheckpointNameMap map, IProgress<LoadProgress>? progress = null)
    {
        var parameters = new Dictionary<string, Parameter>(StringComparer.Ordinal);
        foreach (var (name, p) in module.named_parameters()) parameters[name] = p;

        var meta = parameters.FirstOrDefault(kv => kv.Value.device_type == DeviceType.META);
        if (meta.Value is not null)
            throw new CheckpointException(CheckpointError.InvalidModule,
                $"parameter '{meta.Key}' is on the meta device; build the module with a real device to load weights");

        var plan = new List<(WeightInfo Info, Parameter Target)>();
        var ignored = new List<string>();
        var unexpected = new List<string>();
        var tiedHead = new List<string>();
        var shapeMismatches = new List<string>();
        var unsupported = new List<string>();
        var provided = new HashSet<string>(StringComparer.Ordinal);

        foreach (var info in source.Tensors.Values)
        {
            var mapping = map.Map(info.Name);
            if (mapping.Kind == CheckpointNameKind.Ignored) { ignored.Add(info.Name); continue; }
            if (mapping.ModuleName is not { } moduleName || !parameters.TryGetValue(moduleName, out var target))
            {
                if (mapping.ModuleName is { } head && IsLmHead(head) && HasTiedEmbeddings(parameters, head))
                    tiedHead.Add(info.Name);
                else
                    unexpected.Add(mapping.ModuleName is null ? info.Name : $"{info.Name} (→ {mapping.ModuleName})");
                continue;
            }
            if (!provided.Add(moduleName))
            {
                unexpected.Add($"{info.Name} (→ {moduleName}, already provided by another tensor)");
                continue;
            }
            if (!info.Shape.SequenceEqual(target.shape))
                shapeMismatches.Add($"{info.Name} → {moduleName}: checkpoint [{string.Join(", ", info.Shape)}], module [{string.Join(", ", target.shape)}]");
            else if (!IsFloating(info.DType) || !IsFloating(target.dtype))
                unsupported.Add($"{info.Name}: {info.DType} into {target.dtype}");
            else
                plan.Add((info, target));
        }
        var missing = parameters.Keys.Where(n => !provided.Contains(n)).OrderBy(n => n, StringComparer.Ordinal).ToList();

        ThrowIfInvalid(source, tiedHead, shapeMismatches, missing, unexpected, unsupported, map);

        // Read each file front to back; shards are large and sequential reads are what disks like.
        plan.Sort((a, b) =>
        {
            var c = string.CompareOrdinal(a.Info.File, b.Info.File);
            return c != 0 ? c : a.Info.Position.CompareTo(b.Info.Position);
        });
        var totalBytes = plan.Sum(p => p.Info.ByteLength);
        long bytesDone = 0;
        var done = 0;
        using (torch.no_grad())
        {
            foreach (var (info, target) in plan)
            {
                using (var stored = source.Read(info.Name))
                {
                    if (!stored.shape.SequenceEqual(info.Shape))
                        throw new CheckpointException(CheckpointError.CorruptFile,
                            $"{source.Description}: '{info.Name}' was read with shape [{string.Join(", ", stored.shape)}], header says [{string.Join(", ", info.Shape)}]");
                    // copy_ converts dtype and crosses devices in one pass into the parameter's own storage.
                    target.copy_(stored);
                }
                bytesDone += info.ByteLength;
                done++;
                progress?.Report(new LoadProgress(done, plan.Count, bytesDone, totalBytes, info.Name));
            }
        }
        return new LoadReport(done, bytesDone, ignored);
    }

    private static bool IsLmHead(string moduleName) =>
        moduleName == "lm_head.weight" || moduleName.EndsWith(".lm_head.weight", StringComparison.Ordinal);

    /// <summary>A causal LM without an lm_head parameter but with embeddings beside it is a tied-head model.</summary>
    private static bool HasTiedEmbeddings(Dictionary<string, Parameter> parameters, string headName)
    {
        var prefix = headName[..^"lm_head.weight".Length];
        return parameters.ContainsKey(prefix + "model.embed_tokens.weight");
    }

    private static bool IsFloating(ScalarType t) =>
        t is ScalarType.Float32 or ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float64;

    private static void ThrowIfInvalid(IWeightSource source, List<string> tiedHead, List<string> shapeMismatches,
        List<string> missing, List<string> unexpected, List<string> unsupported, CheckpointNameMap map)
    {
        if (tiedHead.Count + shapeMismatches.Count + missing.Count + unexpected.Count + unsupported.Count == 0) return;
        var error = tiedHead.Count > 0 ? CheckpointError.TiedHeadConflict
            : shapeMismatches.Count > 0 ? CheckpointError.ShapeMismatch
            : missing.Count > 0 ? CheckpointError.MissingTensors
            : unexpected.Count > 0 ? CheckpointError.UnexpectedTensors
            : CheckpointError.Unsupported;
        var message = new StringBuilder($"{source.Description} does not match the module:");
        Append(message, "checkpoint has its own lm_head but the module ties it to the embeddings (tie_word_embeddings)", tiedHead);
        Append(message, "shape mismatches", shapeMismatches);
        Append(message, "module parameters missing from the checkpoint",
            missing.Select(m => TryCheckpointName(map, m) is { } c ? $"{m} (expected as {c})" : m).ToList());
        Append(message, "unexpected checkpoint tensors", unexpected);
        Append(message, "unsupported dtypes", unsupported);
        throw new CheckpointException(error, message.ToString());
    }

    private static string? TryCheckpointName(CheckpointNameMap map, string moduleName)
    {
        try { return map.ToCheckpointName(moduleName); }
        catch (CheckpointException) { return null; }
    }

    private static void Append(StringBuilder message, string title, List<string> names)
    {
        if (names.Count == 0) return;
        message.Append($"\n  {title} ({names.Count}): ");
        message.Append(string.Join(", ", names.Take(MaxListedNames)));
        if (names.Count > MaxListedNames) message.Append($", … {names.Count - MaxListedNames} more");
    }
}
