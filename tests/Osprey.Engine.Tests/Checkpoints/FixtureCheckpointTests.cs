using Osprey.Engine.Checkpoints;
using Osprey.Engine.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Checkpoints;

public sealed class FixtureCheckpointTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("osprey-checkpoints-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Stories260k_loads_into_a_bare_tied_causal_lm()
    {
        var dir = CheckpointDirectory.Inspect(FixturePaths.Stories260K);
        Assert.Equal(WeightFormat.Safetensors, dir.Format);
        Assert.True(dir.Config.Language.TieWordEmbeddings);
        Assert.Null(dir.TokenizerModelPath);

        using var model = TestModels.Llama(dir.Config.Language, ParameterAllocation.CpuFloat32);
        Assert.DoesNotContain(model.named_parameters(), p => p.name.Contains("lm_head"));
        using var weights = dir.OpenWeights();
        var report = ModuleWeightLoader.Load(model, weights, CheckpointNameMap.Llama());
        Assert.Equal(model.named_parameters().Count(), report.TensorsLoaded);

        using var file = SafetensorsFile.Open(Path.Combine(FixturePaths.Stories260K, "model.safetensors"));
        foreach (var (name, p) in model.named_parameters())
        {
            using var stored = file.Read(name);
            Assert.True(TestModels.Same(stored, p), name);
        }
    }

    [Fact]
    public void Stories260k_loads_under_a_prefix()
    {
        var dir = CheckpointDirectory.Inspect(FixturePaths.Stories260K);
        using var root = new ModuleTree("root");
        TestModels.Llama(dir.Config.Language, ParameterAllocation.CpuFloat32, root, "llm.");
        using var weights = dir.OpenWeights();
        ModuleWeightLoader.Load(root, weights, CheckpointNameMap.Llama("llm."));
        Assert.Contains(root.named_parameters(), p => p.name == "llm.model.embed_tokens.weight");
    }

    [Fact]
    public void Checkpoint_with_its_own_head_cannot_load_into_a_tied_model()
    {
        var untied = TestModels.SmallOsprey(tied: false).Language;
        using var trained = TestModels.Randomize(TestModels.Llama(untied, ParameterAllocation.CpuFloat32));
        CheckpointSaver.Save(trained, _dir, CheckpointNameMap.Llama(),
            new CheckpointSaveOptions { Config = TestModels.SmallOsprey(tied: false) });

        using var tied = TestModels.Llama(untied with { TieWordEmbeddings = true }, ParameterAllocation.CpuFloat32);
        using var weights = CheckpointDirectory.Inspect(_dir).OpenWeights();
        var e = Assert.Throws<CheckpointException>(() => ModuleWeightLoader.Load(tied, weights, CheckpointNameMap.Llama()));
        Assert.Equal(CheckpointError.TiedHeadConflict, e.Error);
        Assert.Contains("lm_head.weight", e.Message);
    }

    [Fact]
    public void Tied_model_saves_without_a_head_and_reloads()
    {
        var config = TestModels.SmallOsprey(tied: true);
        using var trained = TestModels.Randomize(TestModels.Llama(config.Language, ParameterAllocation.CpuFloat32));
        CheckpointSaver.Save(trained, _dir, CheckpointNameMap.Llama(), new CheckpointSaveOptions { Config = config });
        using var weights = CheckpointDirectory.Inspect(_dir).OpenWeights();
        Assert.DoesNotContain("lm_head.weight", weights.Tensors.Keys);
        using var loaded = TestModels.Llama(config.Language, ParameterAllocation.CpuFloat32);
        ModuleWeightLoader.Load(loaded, weights, CheckpointNameMap.Llama());
        TestModels.AssertParametersEqual(trained, loaded);
    }

    [Fact]
    public void Osprey_tiny_directory_is_inspected()
    {
        var dir = CheckpointDirectory.Inspect(FixturePaths.OspreyTiny);
        Assert.Equal(WeightFormat.Safetensors, dir.Format);
        Assert.NotNull(dir.TokenizerModelPath);
        Assert.NotNull(dir.AddedTokensPath);
        Assert.Null(dir.VisionTowerPath);
        Assert.Equal(new[] { 8, 16, 32, 64 }, dir.Config.Vision.Dims);
        using var weights = dir.OpenWeights();
        Assert.Equal(107, weights.Tensors.Count);
        Assert.All(weights.Tensors.Values, t => Assert.Equal(ScalarType.Float32, t.DType));

        // Strict load into a tree named like the engine's composition, built from config.json alone.
        using var model = TestModels.Osprey(dir.Config, ParameterAllocation.CpuFloat32);
        var map = CheckpointNameMap.Osprey();
        var report = ModuleWeightLoader.Load(model, weights, map);
        Assert.Equal(model.named_parameters().Count(), report.TensorsLoaded);
        Assert.Equal(5, report.IgnoredTensors.Count);
        using var file = SafetensorsFile.Open(Path.Combine(FixturePaths.OspreyTiny, "model.safetensors"));
        foreach (var (name, p) in model.named_parameters())
        {
            using var stored = file.Read(map.ToCheckpointName(name));
            Assert.True(TestModels.Same(stored, p), name);
        }
    }
}
