using System.Text.Json.Nodes;
using Osprey.Engine.Checkpoints;
using Osprey.Engine.Config;
using Osprey.Engine.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Checkpoints;

public sealed class CheckpointErrorTests : IDisposable
{
    private static readonly CheckpointNameMap Map = CheckpointNameMap.Osprey();
    private static readonly OspreyConfig Config = TestModels.SmallOsprey();
    private readonly string _dir = Directory.CreateTempSubdirectory("osprey-checkpoints-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static ModuleTree Empty(OspreyConfig? config = null) => TestModels.Osprey(config ?? Config, ParameterAllocation.CpuFloat32);

    /// <summary>Saves a trained tree's published tensors after <paramref name="edit"/> as model.safetensors + config.</summary>
    private void SaveEdited(Action<Dictionary<string, Tensor>> edit)
    {
        using var trained = TestModels.Randomize(Empty());
        var published = CheckpointFiles.Published(trained, Map);
        edit(published);
        SafetensorsWriter.Write(Path.Combine(_dir, CheckpointDirectory.SafetensorsFileName), published);
        CheckpointFiles.WriteConfig(_dir, Config);
        CheckpointFiles.DisposeAll(published);
    }

    private CheckpointException LoadFails(nn.Module? into = null)
    {
        using var module = into ?? Empty();
        return Assert.Throws<CheckpointException>(() =>
        {
            using var weights = CheckpointDirectory.Inspect(_dir).OpenWeights();
            ModuleWeightLoader.Load(module, weights, Map);
        });
    }

    [Fact]
    public void Missing_tensor_names_the_parameter_and_its_checkpoint_name()
    {
        SaveEdited(t => t.Remove("model.layers.1.mlp.down_proj.weight"));
        var e = LoadFails();
        Assert.Equal(CheckpointError.MissingTensors, e.Error);
        Assert.Contains("llm.model.layers.1.mlp.down_proj.weight", e.Message);
        Assert.Contains("expected as model.layers.1.mlp.down_proj.weight", e.Message);
    }

    [Fact]
    public void Shape_mismatch_names_the_tensor_and_both_shapes()
    {
        SaveEdited(t => t["model.mm_projector.2.weight"] = torch.zeros(16, 15));
        var e = LoadFails();
        Assert.Equal(CheckpointError.ShapeMismatch, e.Error);
        Assert.Contains("model.mm_projector.2.weight", e.Message);
        Assert.Contains("[16, 15]", e.Message);
        Assert.Contains("[16, 16]", e.Message);
    }

    [Fact]
    public void Unexpected_tensor_is_named()
    {
        SaveEdited(t =>
        {
            t["model.layers.0.self_attn.extra_proj.weight"] = torch.zeros(2);
            t["vision_tower.weight"] = torch.zeros(2);
        });
        var e = LoadFails();
        Assert.Equal(CheckpointError.UnexpectedTensors, e.Error);
        Assert.Contains("model.layers.0.self_attn.extra_proj.weight", e.Message);
        Assert.Contains("vision_tower.weight", e.Message);
    }

    [Fact]
    public void Known_unused_tensors_are_ignored_and_reported()
    {
        SaveEdited(t =>
        {
            t["model.layers.0.self_attn.rotary_emb.inv_freq"] = torch.ones(2);
            t["model.vision_tower.vision_tower.visual.trunk.head.norm.weight"] = torch.ones(10);
            t["model.vision_tower.vision_tower.visual.head.mlp.fc1.weight"] = torch.ones(3, 10);
        });
        using var module = Empty();
        using var weights = CheckpointDirectory.Inspect(_dir).OpenWeights();
        var report = ModuleWeightLoader.Load(module, weights, Map);
        Assert.Equal(3, report.IgnoredTensors.Count);
        Assert.Contains("model.layers.0.self_attn.rotary_emb.inv_freq", report.IgnoredTensors);
    }

    [Fact]
    public void Nothing_is_written_into_the_module_when_validation_fails()
    {
        SaveEdited(t => t.Remove("model.norm.weight"));
        using var module = Empty();
        using (torch.no_grad()) foreach (var (_, p) in module.named_parameters()) p.fill_(3.0f);
        LoadFails(module);
        Assert.All(module.named_parameters(), p => Assert.Equal(3.0f, p.parameter.max().ToSingle()));
    }

    [Fact]
    public void Index_naming_a_missing_shard_names_the_shard()
    {
        using var trained = TestModels.Randomize(Empty());
        CheckpointSaver.Save(trained, _dir, Map, new CheckpointSaveOptions { Config = Config, MaxShardBytes = 16 * 1024 });
        var missing = Directory.GetFiles(_dir, "model-00002-of-*.safetensors").Single();
        File.Delete(missing);
        var e = Assert.Throws<CheckpointException>(() => CheckpointDirectory.Inspect(_dir));
        Assert.Equal(CheckpointError.MissingShard, e.Error);
        Assert.Contains(Path.GetFileName(missing), e.Message);
    }

    [Fact]
    public void Torch_save_index_naming_a_missing_shard_names_the_shard()
    {
        using var trained = TestModels.Randomize(Empty());
        var published = CheckpointFiles.Published(trained, Map);
        CheckpointFiles.WriteShardedTorchSave(_dir, published, shardCount: 2);
        CheckpointFiles.WriteConfig(_dir, Config);
        File.Delete(Path.Combine(_dir, "pytorch_model-00002-of-00002.bin"));
        var e = Assert.Throws<CheckpointException>(() => CheckpointDirectory.Inspect(_dir));
        Assert.Equal(CheckpointError.MissingShard, e.Error);
        Assert.Contains("pytorch_model-00002-of-00002.bin", e.Message);
        CheckpointFiles.DisposeAll(published);
    }

    [Fact]
    public void Index_placing_a_tensor_in_a_shard_that_lacks_it_names_both()
    {
        using var trained = TestModels.Randomize(Empty());
        CheckpointSaver.Save(trained, _dir, Map, new CheckpointSaveOptions { Config = Config, MaxShardBytes = 16 * 1024 });
        var indexPath = Path.Combine(_dir, CheckpointDirectory.SafetensorsIndexFileName);
        var index = JsonNode.Parse(File.ReadAllText(indexPath))!;
        var map = index["weight_map"]!.AsObject();
        var shard = map["lm_head.weight"]!.GetValue<string>();
        var other = map.Select(kv => kv.Value!.GetValue<string>()).First(f => f != shard);
        map["lm_head.weight"] = other;
        File.WriteAllText(indexPath, index.ToJsonString());
        var e = Assert.Throws<CheckpointException>(() => CheckpointDirectory.Inspect(_dir).OpenWeights());
        Assert.Equal(CheckpointError.MissingShard, e.Error);
        Assert.Contains("lm_head.weight", e.Message);
        Assert.Contains(other, e.Message);
    }

    [Fact]
    public void Truncated_safetensors_is_a_corrupt_file()
    {
        SaveEdited(_ => { });
        var path = Path.Combine(_dir, CheckpointDirectory.SafetensorsFileName);
        Truncate(path, 100);
        var e = Assert.Throws<CheckpointException>(() => CheckpointDirectory.Inspect(_dir).OpenWeights());
        Assert.Equal(CheckpointError.CorruptFile, e.Error);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Corrupt_safetensors_header_is_a_corrupt_file()
    {
        SaveEdited(_ => { });
        var path = Path.Combine(_dir, CheckpointDirectory.SafetensorsFileName);
        using (var f = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            f.Position = 8;
            f.Write("garbage!"u8);
        }
        var e = Assert.Throws<CheckpointException>(() => CheckpointDirectory.Inspect(_dir).OpenWeights());
        Assert.Equal(CheckpointError.CorruptFile, e.Error);
        Assert.Contains(path, e.Message);

        File.WriteAllBytes(path, BitConverter.GetBytes(long.MaxValue));
        e = Assert.Throws<CheckpointException>(() => CheckpointDirectory.Inspect(_dir).OpenWeights());
        Assert.Equal(CheckpointError.CorruptFile, e.Error);
    }

    [Fact]
    public void Truncated_or_non_zip_torch_save_is_a_corrupt_file()
    {
        using var trained = TestModels.Randomize(Empty());
        var published = CheckpointFiles.Published(trained, Map);
        var path = Path.Combine(_dir, CheckpointDirectory.PyTorchBinFileName);
        CheckpointFiles.WriteTorchSave(path, published);
        CheckpointFiles.WriteConfig(_dir, Config);
        Truncate(path, 200);
        var e = Assert.Throws<CheckpointException>(() => CheckpointDirectory.Inspect(_dir).OpenWeights());
        Assert.Equal(CheckpointError.CorruptFile, e.Error);
        Assert.Contains(path, e.Message);

        // Legacy (pre-1.6) torch.save files are raw pickles, not zips.
        File.WriteAllBytes(path, [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46]);
        e = Assert.Throws<CheckpointException>(() => CheckpointDirectory.Inspect(_dir).OpenWeights());
        Assert.Equal(CheckpointError.Unsupported, e.Error);
        Assert.Contains(path, e.Message);
        CheckpointFiles.DisposeAll(published);
    }

    [Fact]
    public void Directory_errors_are_typed()
    {
        Assert.Equal(CheckpointError.MissingDirectory,
            Assert.Throws<CheckpointException>(() => CheckpointDirectory.Inspect(Path.Combine(_dir, "nope"))).Error);

        var e = Assert.Throws<CheckpointException>(() => CheckpointDirectory.Inspect(_dir));
        Assert.Equal(CheckpointError.MissingConfig, e.Error);
        Assert.Contains("config.json", e.Message);

        File.WriteAllText(Path.Combine(_dir, "config.json"), """{ "hidden_size": 16 }""");
        e = Assert.Throws<CheckpointException>(() => CheckpointDirectory.Inspect(_dir));
        Assert.Equal(CheckpointError.InvalidConfig, e.Error);
        Assert.Contains("config.json lacks", e.Message);

        File.WriteAllText(Path.Combine(_dir, "config.json"), "{ not json");
        Assert.Equal(CheckpointError.InvalidConfig, Assert.Throws<CheckpointException>(() => CheckpointDirectory.Inspect(_dir)).Error);

        CheckpointFiles.WriteConfig(_dir, Config);
        File.WriteAllText(Path.Combine(_dir, "model-00001-of-00002.safetensors"), "");
        e = Assert.Throws<CheckpointException>(() => CheckpointDirectory.Inspect(_dir));
        Assert.Equal(CheckpointError.NoWeights, e.Error);
        Assert.Contains("no shard index", e.Message);
    }

    [Fact]
    public void Meta_device_module_cannot_receive_weights()
    {
        SaveEdited(_ => { });
        var e = LoadFails(TestModels.Osprey(Config, ParameterAllocation.Meta));
        Assert.Equal(CheckpointError.InvalidModule, e.Error);
    }

    private static void Truncate(string path, long bytesRemoved)
    {
        using var f = new FileStream(path, FileMode.Open, FileAccess.Write);
        f.SetLength(f.Length - bytesRemoved);
    }
}
