using System.Text.Json;
using System.Text.Json.Nodes;
using Osprey.Engine.Checkpoints;
using Osprey.Engine.Config;
using Osprey.Engine.Language;
using Osprey.Engine.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Language;

/// <summary>One greedy case of <c>stories260k/expected.json</c>.</summary>
public sealed record GreedyCase(string Name, long[] PromptIds, long[] GeneratedIds, bool StoppedOnBos, int PositionsRun);

/// <summary>The stories260K fixture: its config, weights, greedy cases and reference logits.</summary>
public static class Stories260K
{
    public static LanguageConfig Config { get; } =
        LanguageConfig.FromJson(JsonNode.Parse(File.ReadAllText(FixturePaths.File("stories260k", "config.json")))!.AsObject());

    public static int Steps { get; }
    public static IReadOnlyList<GreedyCase> Cases { get; }

    static Stories260K()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(FixturePaths.File("stories260k", "expected.json")));
        Steps = doc.RootElement.GetProperty("steps").GetInt32();
        Cases = doc.RootElement.GetProperty("cases").EnumerateArray().Select(c => new GreedyCase(
            c.GetProperty("name").GetString()!,
            c.GetProperty("prompt_ids").EnumerateArray().Select(x => x.GetInt64()).ToArray(),
            c.GetProperty("generated_ids").EnumerateArray().Select(x => x.GetInt64()).ToArray(),
            c.GetProperty("stopped_on_bos").GetBoolean(),
            c.GetProperty("positions_run").GetInt32())).ToList();
    }

    public static GreedyCase Case(string name) => Cases.Single(c => c.Name == name);

    public static LlamaForCausalLM Load(ScalarType dtype = ScalarType.Float32)
    {
        var model = new LlamaForCausalLM(Config, new ParameterAllocation(torch.CPU, dtype));
        using var source = SafetensorsWeightSource.Open(FixturePaths.File("stories260k", "model.safetensors"));
        ModuleWeightLoader.Load(model, source, CheckpointNameMap.Llama());
        return model;
    }

    /// <summary>A reference logits tensor from <c>expected_logits.safetensors</c> (float32, CPU).</summary>
    public static Tensor ExpectedLogits(string name)
    {
        using var file = SafetensorsFile.Open(FixturePaths.File("stories260k", "expected_logits.safetensors"));
        return file.Read(name);
    }

    public static Tensor Ids(IEnumerable<long> ids) => torch.tensor(ids.ToArray(), dtype: ScalarType.Int64);

    /// <summary>Logits at every position of <paramref name="ids"/>, computed in one pass on a fresh cache.</summary>
    public static Tensor AllLogits(LlamaForCausalLM model, IEnumerable<long> ids)
    {
        using var scope = torch.NewDisposeScope();
        using var cache = model.NewCache();
        var logits = model.Forward([new SequenceChunk(model.EmbedTokens(Ids(ids)), cache)], allPositions: true);
        return scope.MoveToOuter(logits);
    }

    public static double MaxAbsDiff(Tensor a, Tensor b)
    {
        Assert.Equal(a.shape, b.shape);
        using var diff = a.to_type(ScalarType.Float64).sub(b.to_type(ScalarType.Float64)).abs().max();
        return diff.item<double>();
    }
}
