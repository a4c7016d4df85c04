using System.Text.Json;
using Osprey.Engine.Checkpoints;
using Osprey.Engine.Layers;
using Osprey.Engine.Segmentation;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Segmentation;

public sealed class SamCheckpointTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("osprey-sam-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string> PublishedModels() => new() { "vit_b", "vit_l", "vit_h" };

    /// <summary>Every tensor of a published checkpoint, as the manifest lists it.</summary>
    private static Dictionary<string, WeightInfo> Manifest(string model)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(FixturePaths.File("sam.manifest.json")));
        var entry = doc.RootElement.GetProperty(model);
        return entry.GetProperty("tensors").EnumerateObject().ToDictionary(
            t => t.Name,
            t => new WeightInfo(t.Name, ScalarType.Float32, t.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray(),
                entry.GetProperty("file").GetString()!, 0));
    }

    [Theory]
    [MemberData(nameof(PublishedModels))]
    public void Published_checkpoints_are_recognised_and_match_the_module_tensor_for_tensor(string model)
    {
        var tensors = Manifest(model);
        var config = SamConfig.Recognise(tensors, model);

        var expected = model switch { "vit_b" => SamConfig.VitB, "vit_l" => SamConfig.VitL, _ => SamConfig.VitH };
        Assert.Equal(expected.EncoderEmbedDim, config.EncoderEmbedDim);
        Assert.Equal(expected.EncoderDepth, config.EncoderDepth);
        Assert.Equal(expected.EncoderNumHeads, config.EncoderNumHeads);
        Assert.Equal(expected.EncoderGlobalAttnIndexes, config.EncoderGlobalAttnIndexes);
        Assert.Equal((1024, 16, 14, 256, 16), (config.ImageSize, config.PatchSize, config.WindowSize, config.PromptEmbedDim, config.MaskInChans));
        Assert.Equal((2, 2048, 2, 3, 256, 3), (config.DecoderDepth, config.DecoderMlpDim, config.AttentionDownsampleRate,
            config.IouHeadDepth, config.IouHeadHiddenDim, config.NumMultimaskOutputs));

        using var module = new SamModel(config, ParameterAllocation.Meta);
        var parameters = module.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        Assert.Equal(tensors.Keys.Order(StringComparer.Ordinal), parameters.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, info) in tensors) Assert.True(info.Shape.SequenceEqual(parameters[name]), name);
        using var doc = JsonDocument.Parse(File.ReadAllText(FixturePaths.File("sam.manifest.json")));
        Assert.Equal(doc.RootElement.GetProperty(model).GetProperty("parameters").GetInt64(), parameters.Values.Sum(s => s.Aggregate(1L, (a, b) => a * b)));
    }

    [Fact]
    public void Without_a_config_the_tiny_checkpoint_is_recognised_from_its_tensors()
    {
        File.Copy(Path.Combine(SamReference.Directory, "sam_tiny.pth"), Path.Combine(_dir, "sam_tiny.pth"));
        using var model = SamCheckpoint.Load(_dir);
        var declared = SamConfig.Parse(File.ReadAllText(Path.Combine(SamReference.Directory, "config.json")));

        // Shapes say everything but the decoder's head count, which is assumed to be the published 8.
        Assert.Equal(declared with { DecoderNumHeads = 8, EncoderGlobalAttnIndexes = model.Config.EncoderGlobalAttnIndexes, PixelMean = model.Config.PixelMean, PixelStd = model.Config.PixelStd },
            model.Config);
        Assert.Equal(declared.EncoderGlobalAttnIndexes, model.Config.EncoderGlobalAttnIndexes);
    }

    [Fact]
    public void Missing_and_extra_tensors_are_named_in_a_typed_error()
    {
        File.Copy(Path.Combine(SamReference.Directory, "config.json"), Path.Combine(_dir, "config.json"));
        using (var source = PyTorchBinWeightSource.Open(Path.Combine(SamReference.Directory, "sam_tiny.pth")))
        {
            var kept = source.Tensors.Keys.Where(n => n != "mask_decoder.iou_token.weight").ToDictionary(n => n, source.Read);
            kept["mask_decoder.extra_token.weight"] = zeros(1, 32);
            SafetensorsWriter.Write(Path.Combine(_dir, SamCheckpoint.SafetensorsFileName), kept);
            foreach (var t in kept.Values) t.Dispose();
        }

        var error = Assert.Throws<CheckpointException>(() => SamCheckpoint.Load(_dir));
        Assert.Equal(CheckpointError.MissingTensors, error.Error);
        Assert.Contains("mask_decoder.iou_token.weight", error.Message);
        Assert.Contains("mask_decoder.extra_token.weight", error.Message);
    }

    [Fact]
    public void A_directory_without_weights_is_a_typed_error()
    {
        var error = Assert.Throws<CheckpointException>(() => SamCheckpoint.Load(_dir));
        Assert.Equal(CheckpointError.NoWeights, error.Error);
        Assert.Equal(CheckpointError.MissingDirectory,
            Assert.Throws<CheckpointException>(() => SamCheckpoint.Load(Path.Combine(_dir, "absent"))).Error);
    }

    [Fact]
    public void A_state_dict_that_is_not_sam_cannot_be_recognised()
    {
        SafetensorsWriter.Write(Path.Combine(_dir, SamCheckpoint.SafetensorsFileName), new Dictionary<string, Tensor> { ["model.embed_tokens.weight"] = zeros(4, 4) });
        var error = Assert.Throws<CheckpointException>(() => SamCheckpoint.Load(_dir));
        Assert.Equal(CheckpointError.InvalidConfig, error.Error);
        Assert.Contains("image_encoder.patch_embed.proj.weight", error.Message);
    }
}
