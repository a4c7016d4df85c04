using System.IO.Compression;
using System.Text.Json;
using Osprey.Engine.Checkpoints;
using Osprey.Engine.Config;
using Osprey.Engine.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Checkpoints;

public sealed class WeightRoundTripTests : IDisposable
{
    private static readonly CheckpointNameMap Map = CheckpointNameMap.Osprey();
    private static readonly OspreyConfig Config = TestModels.SmallOsprey();
    private readonly string _dir = Directory.CreateTempSubdirectory("osprey-checkpoints-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static ModuleTree Empty(ScalarType dtype = ScalarType.Float32) => TestModels.Osprey(Config, new ParameterAllocation(torch.CPU, dtype));
    private static ModuleTree Trained(long seed = 7) => TestModels.Randomize(Empty(), seed);

    private static (CheckpointDirectory Dir, LoadReport Report) LoadDirectory(string directory, nn.Module into, List<LoadProgress>? progress = null)
    {
        var dir = CheckpointDirectory.Inspect(directory);
        using var weights = dir.OpenWeights();
        var report = ModuleWeightLoader.Load(into, weights, Map, progress is null ? null : new SynchronousProgress(progress));
        return (dir, report);
    }

    [Fact]
    public void Single_safetensors_round_trips_exactly()
    {
        using var trained = Trained();
        CheckpointSaver.Save(trained, _dir, Map, new CheckpointSaveOptions { Config = Config });
        using var loaded = Empty();
        var (dir, report) = LoadDirectory(_dir, loaded);
        Assert.Equal(WeightFormat.Safetensors, dir.Format);
        Assert.Equal(trained.named_parameters().Count(), report.TensorsLoaded);
        Assert.Empty(report.IgnoredTensors);
        TestModels.AssertParametersEqual(trained, loaded);
    }

    [Fact]
    public void Sharded_safetensors_round_trip_exactly_and_index_totals_match()
    {
        using var trained = Trained();
        var written = CheckpointSaver.Save(trained, _dir, Map, new CheckpointSaveOptions { Config = Config, MaxShardBytes = 16 * 1024 });
        var dir = CheckpointDirectory.Inspect(_dir);
        Assert.Equal(WeightFormat.ShardedSafetensors, dir.Format);
        Assert.True(dir.WeightFiles.Count >= 3, $"{dir.WeightFiles.Count} shards");
        Assert.All(dir.WeightFiles, f => Assert.Matches(@"model-\d{5}-of-\d{5}\.safetensors$", f));
        Assert.Equal(dir.WeightFiles.Count + 2, written.Count);

        using var index = JsonDocument.Parse(File.ReadAllBytes(dir.WeightsPath));
        var paramBytes = trained.named_parameters().Sum(p => p.parameter.numel() * 4);
        Assert.Equal(paramBytes, index.RootElement.GetProperty("metadata").GetProperty("total_size").GetInt64());

        using var loaded = Empty();
        LoadDirectory(_dir, loaded);
        TestModels.AssertParametersEqual(trained, loaded);
    }

    [Fact]
    public void PyBridge_writes_zip_format_torch_save_that_round_trips_exactly()
    {
        using var trained = Trained();
        var published = CheckpointFiles.Published(trained, Map);
        var bin = Path.Combine(_dir, CheckpointDirectory.PyTorchBinFileName);
        CheckpointFiles.WriteTorchSave(bin, published);
        CheckpointFiles.WriteConfig(_dir, Config);

        // The zip layout torch.load expects: local-file signature, <archive>/data.pkl, <archive>/version, one data/<key> record per storage.
        var head = new byte[4];
        using (var f = File.OpenRead(bin)) f.ReadExactly(head);
        Assert.Equal(new byte[] { 0x50, 0x4b, 0x03, 0x04 }, head);
        using (var zip = ZipFile.OpenRead(bin))
        {
            var entries = zip.Entries.Select(e => e.FullName).ToList();
            Assert.Contains(entries, e => e.EndsWith("/data.pkl"));
            Assert.Contains(entries, e => e.EndsWith("/version"));
            Assert.Equal(published.Count, entries.Count(e => e.Contains("/data/")));
        }

        using var loaded = Empty();
        var (dir, report) = LoadDirectory(_dir, loaded);
        Assert.Equal(WeightFormat.PyTorchBin, dir.Format);
        Assert.Equal(published.Count, report.TensorsLoaded);
        TestModels.AssertParametersEqual(trained, loaded);
        CheckpointFiles.DisposeAll(published);
    }

    [Fact]
    public void Sharded_torch_save_with_index_round_trips_exactly()
    {
        using var trained = Trained();
        var published = CheckpointFiles.Published(trained, Map);
        CheckpointFiles.WriteShardedTorchSave(_dir, published, shardCount: 3);
        CheckpointFiles.WriteConfig(_dir, Config);

        using var loaded = Empty();
        var (dir, _) = LoadDirectory(_dir, loaded);
        Assert.Equal(WeightFormat.ShardedPyTorchBin, dir.Format);
        Assert.Equal(3, dir.WeightFiles.Count);
        TestModels.AssertParametersEqual(trained, loaded);
        CheckpointFiles.DisposeAll(published);
    }

    [Fact]
    public void Bf16_safetensors_load_into_fp32_exactly()
    {
        using var trained = Trained();
        CheckpointSaver.Save(trained, _dir, Map, new CheckpointSaveOptions { Config = Config, DType = ScalarType.BFloat16 });
        using (var source = CheckpointDirectory.Inspect(_dir).OpenWeights())
            Assert.All(source.Tensors.Values, t => Assert.Equal(ScalarType.BFloat16, t.DType));

        using var loaded = Empty();
        LoadDirectory(_dir, loaded);
        // bf16 → fp32 widening is exact: the loaded values are the bf16 values, bit for bit.
        TestModels.AssertParametersEqual(trained, loaded, p => p.to_type(ScalarType.BFloat16).to_type(ScalarType.Float32));
        var q = trained.named_parameters().First(p => p.name.EndsWith("q_proj.weight")).parameter;
        var sameQ = loaded.named_parameters().First(p => p.name.EndsWith("q_proj.weight")).parameter;
        Assert.False(TestModels.Same(q, sameQ), "bf16 storage should have rounded the fp32 originals");
    }

    [Fact]
    public void Bf16_and_fp16_torch_save_load_into_fp32_exactly()
    {
        foreach (var dtype in new[] { ScalarType.BFloat16, ScalarType.Float16 })
        {
            using var trained = Trained();
            var published = CheckpointFiles.Published(trained, Map, dtype);
            var sub = Directory.CreateDirectory(Path.Combine(_dir, dtype.ToString())).FullName;
            CheckpointFiles.WriteShardedTorchSave(sub, published, shardCount: 2);
            CheckpointFiles.WriteConfig(sub, Config);
            using var loaded = Empty();
            LoadDirectory(sub, loaded);
            TestModels.AssertParametersEqual(trained, loaded, p => p.to_type(dtype).to_type(ScalarType.Float32));
            CheckpointFiles.DisposeAll(published);
        }
    }

    [Fact]
    public void Fp32_checkpoint_loads_into_a_bf16_module_as_torch_rounds_it()
    {
        using var trained = Trained();
        CheckpointSaver.Save(trained, _dir, Map, new CheckpointSaveOptions { Config = Config });
        using var loaded = Empty(ScalarType.BFloat16);
        LoadDirectory(_dir, loaded);
        TestModels.AssertParametersEqual(trained, loaded, p => p.to_type(ScalarType.BFloat16));
    }

    [Fact]
    public void Vision_trunk_comes_from_the_open_clip_file_when_the_main_weights_lack_it()
    {
        using var trained = Trained();
        var published = CheckpointFiles.Published(trained, Map);
        var main = published.Where(kv => !kv.Key.StartsWith(CheckpointNameMap.VisionTrunkPrefix)).ToDictionary();
        using var _ = torch.no_grad();
        // open_clip's file: the tower as visual.*, with its unused heads, plus the CLIP text tower.
        var openClip = published.Where(kv => kv.Key.StartsWith(CheckpointNameMap.VisionTrunkPrefix))
            .ToDictionary(kv => kv.Key[CheckpointNameMap.VisionTowerPrefix.Length..], kv => kv.Value);
        openClip["visual.trunk.head.norm.weight"] = torch.ones(10);
        openClip["visual.head.mlp.fc1.weight"] = torch.ones(3, 10);
        openClip["transformer.resblocks.0.attn.in_proj_weight"] = torch.ones(6, 2);
        openClip["logit_scale"] = torch.ones(1);
        CheckpointFiles.WriteTorchSave(Path.Combine(_dir, CheckpointDirectory.OpenClipFileName), openClip);
        SafetensorsWriter.Write(Path.Combine(_dir, CheckpointDirectory.SafetensorsFileName), main);
        CheckpointFiles.WriteConfig(_dir, Config);

        var dir = CheckpointDirectory.Inspect(_dir);
        Assert.Equal(Path.Combine(_dir, CheckpointDirectory.OpenClipFileName), dir.VisionTowerPath);
        using var weights = dir.OpenWeights();
        Assert.True(((VisionTowerFallbackSource)weights).UsesVisionCheckpoint);
        Assert.DoesNotContain(weights.Tensors.Keys, k => k.Contains("transformer.") || k.Contains("logit_scale"));
        using var loaded = Empty();
        var report = ModuleWeightLoader.Load(loaded, weights, Map);
        Assert.Equal(2, report.IgnoredTensors.Count);
        TestModels.AssertParametersEqual(trained, loaded);
        CheckpointFiles.DisposeAll(published);
    }

    [Fact]
    public void Main_weights_with_a_trunk_ignore_the_open_clip_file()
    {
        using var trained = Trained();
        using var other = Trained(seed: 99);
        CheckpointSaver.Save(trained, _dir, Map, new CheckpointSaveOptions { Config = Config });
        var otherTrunk = CheckpointFiles.Published(other, Map)
            .Where(kv => kv.Key.StartsWith(CheckpointNameMap.VisionTrunkPrefix))
            .ToDictionary(kv => kv.Key[CheckpointNameMap.VisionTowerPrefix.Length..], kv => kv.Value);
        CheckpointFiles.WriteTorchSave(Path.Combine(_dir, CheckpointDirectory.OpenClipFileName), otherTrunk);

        using var loaded = Empty();
        LoadDirectory(_dir, loaded);
        TestModels.AssertParametersEqual(trained, loaded);
    }

    [Fact]
    public void Progress_counts_every_tensor_and_byte()
    {
        using var trained = Trained();
        CheckpointSaver.Save(trained, _dir, Map, new CheckpointSaveOptions { Config = Config, DType = ScalarType.BFloat16, MaxShardBytes = 32 * 1024 });
        var reports = new List<LoadProgress>();
        using var loaded = Empty();
        var (_, report) = LoadDirectory(_dir, loaded, reports);
        var count = trained.named_parameters().Count();
        var bf16Bytes = trained.named_parameters().Sum(p => p.parameter.numel() * 2);
        Assert.Equal(count, reports.Count);
        Assert.Equal(Enumerable.Range(1, count), reports.Select(r => r.TensorsDone));
        Assert.All(reports, r => Assert.Equal(bf16Bytes, r.BytesTotal));
        Assert.True(reports.Zip(reports.Skip(1)).All(p => p.First.BytesDone < p.Second.BytesDone));
        Assert.Equal(bf16Bytes, reports[^1].BytesDone);
        Assert.Equal(bf16Bytes, report.BytesRead);
        Assert.Equal(1.0, reports[^1].Fraction);
    }

    [Fact]
    public void A_torch_save_tensor_can_be_read_twice()
    {
        using var trained = Trained();
        var published = CheckpointFiles.Published(trained, Map);
        var bin = Path.Combine(_dir, "state.bin");
        CheckpointFiles.WriteTorchSave(bin, published);
        using var source = PyTorchBinWeightSource.Open(bin);
        using var first = source.Read("model.norm.weight");
        using var second = source.Read("model.norm.weight");
        Assert.True(TestModels.Same(published["model.norm.weight"], first));
        Assert.True(TestModels.Same(first, second));
        CheckpointFiles.DisposeAll(published);
    }

    [Fact]
    public void Saving_over_existing_weights_needs_overwrite_and_removes_stale_shards()
    {
        using var trained = Trained();
        CheckpointSaver.Save(trained, _dir, Map, new CheckpointSaveOptions { Config = Config, MaxShardBytes = 16 * 1024 });
        Assert.Throws<IOException>(() => CheckpointSaver.Save(trained, _dir, Map));
        CheckpointSaver.Save(trained, _dir, Map, new CheckpointSaveOptions { Overwrite = true });
        Assert.Equal(new[] { "config.json", "model.safetensors" }, Directory.GetFiles(_dir).Select(Path.GetFileName).Order());
        using var loaded = Empty();
        LoadDirectory(_dir, loaded);
        TestModels.AssertParametersEqual(trained, loaded);
    }

    /// <summary>Records reports on the loading thread (Progress&lt;T&gt; would post them asynchronously).</summary>
    private sealed class SynchronousProgress(List<LoadProgress> sink) : IProgress<LoadProgress>
    {
        public void Report(LoadProgress value) => sink.Add(value);
    }
}
