using Osprey.Engine.Checkpoints;
using Osprey.Engine.Config;
using Osprey.Engine.Devices;
using Osprey.Engine.Imaging;
using Osprey.Engine.Layers;
using Osprey.Engine.Multimodal;
using Osprey.Engine.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine;

/// <summary>
/// A loaded Osprey: the network on its device, the tokenizer and the image preprocessor of one
/// model directory. Everything that serves requests (CLI, silo) starts from this.
/// </summary>
public sealed class OspreyEngine : IDisposable
{
    public OspreyModel Model { get; }
    public OspreyTokenizer Tokenizer { get; }
    public OspreyConfig Config => Model.Config;
    public ClipPreprocessor Preprocessor { get; }
    public string ModelDirectory { get; }
    /// <summary>The options the model was loaded with, its dtype resolved (never "auto").</summary>
    public EngineOptions Options { get; }

    private OspreyEngine(OspreyModel model, OspreyTokenizer tokenizer, string modelDirectory, EngineOptions options)
    {
        Model = model;
        Tokenizer = tokenizer;
        ModelDirectory = modelDirectory;
        Options = options;
        Preprocessor = new ClipPreprocessor(model.Config.ImageSize);
    }

    public static OspreyEngine Load(string modelDirectory, EngineOptions options, IProgress<LoadProgress>? progress = null)
    {
        var checkpoint = CheckpointDirectory.Inspect(modelDirectory);
        var tokenizer = OspreyTokenizer.Load(checkpoint.TokenizerModelPath
            ?? throw new CheckpointException(CheckpointError.NoWeights, $"{modelDirectory}: no tokenizer.model"));
        var map = CheckpointNameMap.Osprey();
        using var source = checkpoint.OpenWeights();
        // Refuse before allocating: a model that cannot fit would otherwise be OOM-killed partway through the copy.
        var dtype = options.TorchDType;
        if (options.TorchDevice.type == DeviceType.CPU)
        {
            var requirement = WeightMemoryRequirement.Of(source, map);
            var available = AvailableMemory.Measure();
            dtype = DTypeName.Resolve(options.DType, DeviceType.CPU, CpuFeatures.Current, d => requirement.Fits(d, available));
            requirement.EnsureFits(dtype, available, modelDirectory);
        }
        options = options with { DType = DTypeName.Format(dtype) };
        var alloc = new ParameterAllocation(options.TorchDevice, options.TorchDType);
        var model = new OspreyModel(checkpoint.Config, alloc, tokenizer.MaskId, tokenizer.PosId);
        try
        {
            ModuleWeightLoader.Load(model, source, map, progress);
            model.eval();
            return new OspreyEngine(model, tokenizer, Path.GetFullPath(modelDirectory), options);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>CLIP preprocessing (spec §2) onto the model's device: [1, 3, S, S].</summary>
    public Tensor Preprocess(RgbImage image)
    {
        using var cpu = Preprocessor.Preprocess(image);
        return cpu.to(Model.Device);
    }

    public void Dispose() => Model.Dispose();
}
