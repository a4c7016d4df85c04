using Osprey.Engine;
using Osprey.Engine.Checkpoints;
using Osprey.Engine.Config;
using Osprey.Engine.Devices;
using Osprey.Engine.Layers;
using Osprey.Engine.Multimodal;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Bench;

/// <summary>What one <c>bench</c> invocation runs.</summary>
public sealed record BenchPlan
{
    public string? TinyDirectory { get; init; }
    /// <summary>A full-size model directory to load and run in each of <see cref="DTypes"/> (<c>--real-scale</c>).</summary>
    public string? RealScaleDirectory { get; init; }
    public bool BenchModel { get; init; } = true;
    /// <summary>
    /// Time the engine's phases (false: only build what the other sections serve, e.g. the bench model
    /// directory the cluster path loads, and skip the yardsticks).
    /// </summary>
    public bool EngineRows { get; init; } = true;
    public IReadOnlyList<string> DTypes { get; init; } = ["fp32", "bf16"];
    public bool PyTorch { get; init; } = true;
    public string Python { get; init; } = "/usr/bin/python3";
    public string? PyTorchScript { get; init; }
    /// <summary>Run the llama.cpp peer (<see cref="LlamaCppPeer"/>) on the bench model's language weights.</summary>
    public bool LlamaCpp { get; init; } = true;
    public string Node { get; init; } = "node";
    public string? LlamaCppScript { get; init; }
    public bool Cluster { get; init; }
    /// <summary>"bench" or "tiny": which model the cluster-path bench serves.</summary>
    public string ClusterModel { get; init; } = "bench";
    /// <summary>An explicit dtype name (the command resolves "auto").</summary>
    public string ClusterDType { get; init; } = "fp32";
    public EngineBenchSettings Engine { get; init; } = new();
    public ClusterBenchSettings ClusterSettings { get; init; } = new();
    public int YardstickMatmulSize { get; init; } = 2048;
    /// <summary>Steps per timed training run (0: no training bench).</summary>
    public int TrainingSteps { get; init; }
    /// <summary>Model directory whose config and weights the training bench trains.</summary>
    public string? TrainingModel { get; init; }
    /// <summary>The load measurement (<c>--load</c>), or null.</summary>
    public LoadSettings? Load { get; init; }

    /// <summary>
    /// When one vision encode plus one full prefill would take longer than this at the dtype's measured
    /// matmul peak, that model/dtype runs language-only with a prefill sized to fit (see <see cref="EngineBenchSettings.LanguageOnly"/>).
    /// </summary>
    public double PhaseBudgetSeconds { get; init; } = 240;
}

/// <summary>
/// Runs the plan phase by phase, holding at most one large model in memory at a time: the bench model
/// in fp32, its weights written to a directory, the same weights reloaded in bf16, then the PyTorch
/// script and the serving engine reading that directory.
/// </summary>
public sealed class BenchRun(BenchPlan plan, BenchReport report, TextWriter log)
{
    private readonly LoadAverage _load = new();
    /// <summary>The bench model's GGUF files, shared by the peer timed in turn and the llama.cpp phase.</summary>
    private GgufFiles? _gguf;

    public async Task RunAsync()
    {
        if (plan.EngineRows)
        {
            Log("yardsticks: matmul peak and memory bandwidth");
            report.Hardware = HardwareYardstick.Measure(plan.YardstickMatmulSize);
        }

        if (plan.RealScaleDirectory is { } realScale)
        {
            report.RealScaleDirectory = realScale;
            var bench = new RealScaleBench(realScale, plan.Engine, s => Log($"real scale {s}"));
            foreach (var dtype in plan.DTypes) report.RealScale.Add(bench.Run(dtype));
        }

        if (plan.TinyDirectory is { } tiny && plan.EngineRows)
            foreach (var dtype in plan.DTypes)
            {
                using var engine = OspreyEngine.Load(tiny, new EngineOptions { DType = dtype });
                report.Configs["osprey-tiny"] = engine.Config;
                report.Engine.Add(EngineBench.Run("osprey-tiny", engine.Model, SettingsFor("osprey-tiny", engine.Config, dtype), s => Log($"osprey-tiny {dtype}: {s}")));
            }

        BenchModelDirectory? directory = null;
        try
        {
            if (plan.BenchModel) directory = RunBenchModel();
            if (plan.PyTorch) RunPyTorch(directory);
            if (plan.LlamaCpp) LlamaCppPeer.Run(plan, report, _gguf, torch.get_num_threads(), Log);
            if (plan.Cluster) await RunCluster(directory);
            if (plan.Load is { } load) report.Load = await LoadBench.RunAsync(load, Log);
            if (plan.TrainingSteps > 0)
                report.Training.AddRange(new TrainingBench(Osprey.Engine.DefaultModel.Resolve(plan.TrainingModel), plan.TrainingSteps,
                    plan.Engine.Repeat, s => Log($"training: {s}")).Run());
        }
        finally
        {
            _gguf?.Dispose();
            directory?.Dispose();
            report.LoadAverage = _load.Summary;
        }
    }

    private BenchModelDirectory? RunBenchModel()
    {
        var config = BenchModelConfig.Create();
        report.Configs["bench"] = config;
        BenchModelDirectory? directory = null;
        Log("bench model: allocating and filling random fp32 weights");
        using (var model = new OspreyModel(config, new ParameterAllocation(torch.CPU, ScalarType.Float32)))
        {
            RandomWeights.Fill(model, plan.Engine.Seed);
            model.eval();
            var needDirectory = plan.DTypes.Any(d => d != "fp32") || plan.PyTorch || plan.LlamaCpp || (plan.Cluster && plan.ClusterModel == "bench");
            if (needDirectory)
            {
                Log("bench model: writing F32 safetensors");
                directory = BenchModelDirectory.Write(model, plan.TinyDirectory);
                if (plan.LlamaCpp) _gguf = LlamaCppPeer.FilesOf(directory, Log);
            }
            if (plan.EngineRows && plan.DTypes.Contains("fp32"))
                report.Engine.Add(RunBenchEngine(model, config, "fp32", directory));
        }
        GC.Collect();
        foreach (var dtype in plan.DTypes.Where(d => d != "fp32" && plan.EngineRows))
        {
            Log($"bench model: loading the same weights as {dtype}");
            using var model = new OspreyModel(config, new ParameterAllocation(torch.CPU, DTypeName.Parse(dtype)));
            using (var source = CheckpointDirectory.Inspect(directory!.Path).OpenWeights())
                ModuleWeightLoader.Load(model, source, CheckpointNameMap.Osprey());
            model.eval();
            report.Engine.Add(RunBenchEngine(model, config, dtype, directory));
        }
        GC.Collect();
        return directory;
    }

    /// <summary>The bench model's engine rows in one dtype, with llama.cpp's batch-1 steps timed in turn when it runs.</summary>
    private EngineResult RunBenchEngine(OspreyModel model, OspreyConfig config, string dtype, BenchModelDirectory? directory)
    {
        var settings = SettingsFor("bench", config, dtype);
        using var peer = _gguf is not null && !settings.LanguageOnly
            ? LlamaCppPeer.StartBeside(plan, report, _gguf, dtype, settings.PrefillTokens, torch.get_num_threads(), Log)
            : null;
        if (peer is not null) settings = settings with { PeerDecodeStep = peer.DecodeStepMs };
        return EngineBench.Run("bench", model, settings, s => Log($"bench {dtype}: {s}"));
    }

    private void RunPyTorch(BenchModelDirectory? directory)
    {
        if (directory is null)
        {
            report.PyTorchNote = "Skipped: the PyTorch comparison runs on the bench model (drop --no-bench-model).";
            return;
        }
        var (runner, reason) = PyTorchEagerRun.Locate(plan.Python, plan.PyTorchScript);
        if (runner is null)
        {
            report.PyTorchNote = $"Skipped: {reason}.";
            return;
        }
        var settings = plan.Engine;
        try
        {
            if (plan.DTypes.Contains("fp32"))
            {
                Log("pytorch eager fp32: vision encode, prefill, decode step");
                report.PyTorchFp32 = runner.Run(directory.Path, "fp32", "vision,prefill,decode", settings.PrefillTokens, settings.DecodeSteps, settings.Repeat, TimeSpan.FromMinutes(15));
            }
            if (plan.DTypes.Contains("bf16"))
            {
                Log("pytorch eager bf16: decode step");
                // Decode at the same context the engine's bf16 run used (language-only runs prefill less).
                var context = report.Engine.FirstOrDefault(e => e.Model == "bench" && e.DType == "bf16")?.PrefillTokens ?? settings.PrefillTokens;
                report.PyTorchBf16 = runner.Run(directory.Path, "bf16", "decode", context, 2, settings.Repeat, TimeSpan.FromMinutes(5));
                report.Notes.Add("PyTorch bf16 runs only the decode step: Debian's torch 1.13 multiplies bf16 matrices at a few GFLOP/s on this CPU (see its matmul yardstick), so a bf16 vision encode or 1.1k-token prefill would take many minutes.");
            }
        }
        catch (InvalidOperationException e)
        {
            report.PyTorchNote = $"The PyTorch run failed: {e.Message}";
        }
    }

    private async Task RunCluster(BenchModelDirectory? directory)
    {
        string? modelDirectory;
        string name;
        if (plan.ClusterModel == "bench" && directory is { HasTokenizer: true })
            (modelDirectory, name) = (directory.Path, "bench");
        else
            (modelDirectory, name) = (plan.TinyDirectory, "osprey-tiny");
        if (modelDirectory is null)
        {
            report.ClusterNote = "Skipped: serving needs a tokenizer; pass --tiny DIR (its tokenizer also serves the bench model).";
            return;
        }
        if (name != (plan.ClusterModel == "tiny" ? "osprey-tiny" : plan.ClusterModel)) report.Notes.Add($"The cluster bench ran on {name}: the bench model directory had no tokenizer.");
        report.Cluster = await ClusterBench.RunAsync(name, modelDirectory, plan.ClusterDType, plan.ClusterSettings, Log);
    }

    private EngineBenchSettings SettingsFor(string name, OspreyConfig config, string dtype)
    {
        var peak = report.Hardware!.MatmulGflops(DTypeName.Parse(dtype)) * 1e9;
        var full = ConvNeXtFlops.EncodeImage(config) + LlamaCost.PrefillFlops(config.Language, plan.Engine.PrefillTokens);
        if (full / peak <= plan.PhaseBudgetSeconds) return plan.Engine;
        // A prefill of about a quarter of the budget; decode and the cached follow-up are measured as usual.
        var perToken = 2 * LlamaCost.LayerParameters(config.Language);
        var tokens = (int)Math.Clamp(plan.PhaseBudgetSeconds / 4 * peak / perToken, 8, plan.Engine.PrefillTokens);
        report.Notes.Add(FormattableString.Invariant(
            $"{name} {dtype} ran language-only (no image phases; prefill and decode context {tokens} tokens): at this dtype's measured matmul peak ({peak / 1e9:F2} GFLOP/s) one image encode plus a {plan.Engine.PrefillTokens}-token prefill would take about {full / peak / 60:F0} min."));
        return plan.Engine with { LanguageOnly = true, PrefillTokens = tokens, DecodeSteps = 2, Repeat = 1 };
    }

    private void Log(string phase)
    {
        var load = _load.Sample();
        log.WriteLine(FormattableString.Invariant($"[{DateTime.Now:HH:mm:ss}] load {load:F1} · {phase}"));
    }
}
