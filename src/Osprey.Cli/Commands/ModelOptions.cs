using System.CommandLine;
using Osprey.Engine;
using Osprey.Engine.Checkpoints;
using Osprey.Engine.Devices;
using Osprey.Engine.Serving;

namespace Osprey.Cli.Commands;

/// <summary>The options every model-running command shares, and loading with progress on stderr.</summary>
public sealed class ModelOptions
{
    public Option<string?> Model { get; } = new("--model") { Description = "Model directory (default: the model shipped in models/osprey-default)" };
    public Option<string> DType { get; } = new("--dtype") { Description = "auto | fp32 | bf16 | fp16 (auto: bf16 on a CPU with AVX512_BF16 or AMX-BF16 and on CUDA, else fp32)", DefaultValueFactory = _ => DTypeName.Auto };
    public Option<string> Device { get; } = new("--device") { Description = "cpu | cuda | cuda:N", DefaultValueFactory = _ => "cpu" };

    public void AddTo(Command command)
    {
        command.Options.Add(Model);
        command.Options.Add(DType);
        command.Options.Add(Device);
    }

    public OspreyEngine Load(ParseResult result)
    {
        var directory = DefaultModel.Resolve(result.GetValue(Model));
        var options = new EngineOptions { DType = result.GetValue(DType)!, Device = result.GetValue(Device)! };
        Console.Error.WriteLine($"loading {directory} (dtype {options.DType}, {options.Device})");
        var engine = OspreyEngine.Load(directory, options, new LoadProgressBar());
        Console.Error.WriteLine();
        if (DTypeName.IsAuto(options.DType)) Console.Error.WriteLine($"dtype {engine.Options.DType} by auto");
        return engine;
    }

    /// <summary>Loads the model behind the serving loop every answer goes through (the one a silo runs).</summary>
    public ServingEngine Serve(ParseResult result) => ServingEngine.Start(Load(result), new ServingOptions());

    /// <summary>One line on stderr, redrawn as tensors arrive.</summary>
    private sealed class LoadProgressBar : IProgress<LoadProgress>
    {
        private int _lastPercent = -1;

        public void Report(LoadProgress value)
        {
            var percent = (int)(value.Fraction * 100);
            if (percent == _lastPercent && value.TensorsDone != value.TensorsTotal) return;
            _lastPercent = percent;
            var bar = new string('#', percent / 5).PadRight(20);
            Console.Error.Write($"\r[{bar}] {percent,3}%  {value.TensorsDone}/{value.TensorsTotal} tensors  {value.BytesDone / 1048576.0:F0}/{value.BytesTotal / 1048576.0:F0} MiB");
        }
    }
}
