using System.CommandLine;
using System.Text.Json;

using Osprey.Engine.Devices;
using TorchSharp;

namespace Osprey.Bench;

/// <summary>
/// <c>Osprey.Bench bench</c>: engine phase timings for the tiny fixture model and the bench model (real
/// ConvNeXt-L + a 4-layer 7B-wide LLaMA, random weights), measured against this machine's matmul peak
/// and memory bandwidth and against PyTorch eager, plus the cluster path's follow-up and batching
/// gains. Prints markdown tables; a benchmark, not a test.
/// </summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var tiny = new Option<string?>("--tiny") { Description = "Tiny model directory to bench too (its tokenizer also serves the bench model in --cluster)" };
        var realScale = new Option<string?>("--real-scale")
        {
            Description = "A full-size model directory (scripts/write-random-osprey-7b.py) to load and run in each --dtypes: load time and peak RSS, " +
                          "image encode, first-turn and follow-up prefill, decode step; a dtype that does not fit is reported as refused. " +
                          "Runs instead of the bench model and the PyTorch comparison",
        };
        var noBenchModel = new Option<bool>("--no-bench-model") { Description = "Skip the bench model (ConvNeXt-L + 4-layer 4096-wide LLaMA)" };
        var noEngine = new Option<bool>("--no-engine") { Description = "Skip the engine rows and yardsticks (the bench model is still built when --cluster serves it)" };
        var dtypes = new Option<string>("--dtypes") { Description = "Comma-separated dtypes of the engine bench (auto: the one this CPU serves by default)", DefaultValueFactory = _ => "fp32,bf16" };
        var noPyTorch = new Option<bool>("--no-pytorch") { Description = "Skip the PyTorch-eager comparison" };
        var python = new Option<string>("--python") { Description = "Python with torch and numpy", DefaultValueFactory = _ => "/usr/bin/python3" };
        var script = new Option<string?>("--pytorch-script") { Description = $"Path of {PyTorchEagerRun.ScriptRelativePath} (default: found above the program or the current directory)" };
        var noLlamaCpp = new Option<bool>("--no-llama-cpp") { Description = "Skip the llama.cpp comparison" };
        var node = new Option<string>("--node") { Description = "Node.js for the llama.cpp peer", DefaultValueFactory = _ => "node" };
        var llamaCppScript = new Option<string?>("--llama-cpp-script") { Description = $"Path of {LlamaCppRun.ScriptRelativePath} (node-llama-cpp installed beside it; default: found above the program or the current directory)" };
        var cluster = new Option<bool>("--cluster") { Description = "Also bench the cluster path (follow-up TTFT, batching, encodes, bytes per turn)" };
        var clusterModel = new Option<string>("--cluster-model") { Description = "bench | tiny", DefaultValueFactory = _ => "bench" };
        var clusterDType = new Option<string>("--cluster-dtype") { Description = "auto | fp32 | bf16", DefaultValueFactory = _ => DTypeName.Auto };
        var encodeThreads = new Option<int?>("--encode-threads") { Description = "libtorch threads of the cluster bench's image encoder (default: libtorch's)" };
        var encodeTurn = new Option<string?>("--encode-turn-per-step")
        {
            Description = "While turns run, the cluster bench's image encodes advance between steps for this many times a step (off: beside the steps, sharing the cores; default: the serving default)",
        };
        var stepStretch = new Option<string?>("--decode-step-stretch")
        {
            Description = "While turns decode, the cluster bench's steps carry prompt positions for at most about this many times a decode-only step (off: the token budget alone; default: the serving default)",
        };
        var quick = new Option<bool>("--quick") { Description = "The default dtype only (auto), no PyTorch, fewer repetitions, cluster bench on the tiny model" };
        var prefill = new Option<int>("--prefill-tokens") { DefaultValueFactory = _ => 1100 };
        var seed = new Option<long>("--seed") { DefaultValueFactory = _ => 1 };
        var json = new Option<string?>("--output-json") { Description = "Write every measurement as JSON here" };
        var markdown = new Option<string?>("--output-markdown") { Description = "Write the tables here as well" };
        var training = new Option<bool>("--training") { Description = "Also bench training steps with one model and with one replica per core" };
        var trainingSteps = new Option<int>("--training-steps") { Description = "Steps per timed training run", DefaultValueFactory = _ => 10 };
        var load = new Option<bool>("--load") { Description = "Also measure many users on a local cluster: errors, time to first token, tokens/s, queue depth" };
        var loadUsers = new Option<int>("--load-users") { Description = "Concurrent users of the load measurement", DefaultValueFactory = _ => 64 };
        var loadTurns = new Option<int>("--load-turns") { Description = "Turns each user takes, back to back", DefaultValueFactory = _ => 5 };
        var loadImages = new Option<int>("--load-images") { Description = "Images the users talk about", DefaultValueFactory = _ => 8 };
        var loadSilos = new Option<int>("--load-silos") { Description = "In-process silos of the load measurement", DefaultValueFactory = _ => 3 };
        var loadModel = new Option<string?>("--load-model") { Description = "Model the load measurement serves (default: the default model)" };
        var loadDType = new Option<string>("--load-dtype") { Description = "auto | fp32 | bf16", DefaultValueFactory = _ => DTypeName.Auto };
        var trainingModel = new Option<string?>("--training-model") { Description = "Model directory the training bench trains (default: the default model)" };

        var command = new Command("bench", "Benchmark the engine, the cluster path and training steps (markdown tables; optional JSON)")
            {
                tiny, realScale, noBenchModel, noEngine, dtypes, noPyTorch, python, script, noLlamaCpp, node, llamaCppScript, cluster, clusterModel, clusterDType, encodeThreads, encodeTurn, stepStretch, quick, prefill, seed, json, markdown,
                training, trainingSteps, trainingModel, load, loadUsers, loadTurns, loadImages, loadSilos, loadModel, loadDType,
            };
        command.SetAction((result, cancellationToken) => CommandErrors.Guard(async () =>
        {
            var isQuick = result.GetValue(quick);
            var tinyDirectory = result.GetValue(tiny);
            if (tinyDirectory is not null && !Directory.Exists(tinyDirectory)) return CommandErrors.Fail($"--tiny: directory not found: {tinyDirectory}");
            var realScaleDirectory = result.GetValue(realScale);
            if (realScaleDirectory is not null && !Directory.Exists(realScaleDirectory)) return CommandErrors.Fail($"--real-scale: directory not found: {realScaleDirectory}");
            var dtypeList = (isQuick ? DTypeName.Auto : result.GetValue(dtypes)!).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(ServedOnCpu).Distinct().ToArray();
            var clusterModelName = isQuick ? "tiny" : result.GetValue(clusterModel)!;
            if (clusterModelName is not ("bench" or "tiny")) return CommandErrors.Fail("--cluster-model must be bench or tiny");
            if (result.GetValue(encodeThreads) is < 1) return CommandErrors.Fail("--encode-threads must be at least 1");
            var defaults = new ClusterBenchSettings();
            if (!TryNumberOrOff(result.GetValue(encodeTurn), above: 0, defaults.EncodeTurnPerStep, out var encodeTurnPerStep))
                return CommandErrors.Fail("--encode-turn-per-step must be a positive number or off");
            if (!TryNumberOrOff(result.GetValue(stepStretch), above: 1, defaults.DecodeStepStretch, out var decodeStepStretch))
                return CommandErrors.Fail("--decode-step-stretch must be a number above 1 or off");
            if (result.GetValue(loadUsers) < 1 || result.GetValue(loadTurns) < 1 || result.GetValue(loadImages) < 1 || result.GetValue(loadSilos) < 1)
                return CommandErrors.Fail("--load-users, --load-turns, --load-images and --load-silos must be at least 1");
            if (result.GetValue(loadModel) is { } loadDirectory && !Directory.Exists(loadDirectory)) return CommandErrors.Fail($"--load-model: directory not found: {loadDirectory}");
            var plan = new BenchPlan
            {
                TinyDirectory = tinyDirectory,
                RealScaleDirectory = realScaleDirectory,
                BenchModel = realScaleDirectory is null && !result.GetValue(noBenchModel),
                EngineRows = !result.GetValue(noEngine),
                DTypes = dtypeList,
                PyTorch = realScaleDirectory is null && !isQuick && !result.GetValue(noPyTorch),
                Python = result.GetValue(python)!,
                PyTorchScript = result.GetValue(script),
                LlamaCpp = realScaleDirectory is null && !isQuick && !result.GetValue(noLlamaCpp),
                Node = result.GetValue(node)!,
                LlamaCppScript = result.GetValue(llamaCppScript),
                Cluster = result.GetValue(cluster),
                ClusterModel = clusterModelName,
                ClusterDType = ServedOnCpu(result.GetValue(clusterDType)!),
                Engine = new EngineBenchSettings
                {
                    PrefillTokens = result.GetValue(prefill),
                    Seed = result.GetValue(seed),
                    Repeat = isQuick ? 1 : 2,
                    DecodeSteps = isQuick ? 3 : 12,
                },
                ClusterSettings = (isQuick ? new ClusterBenchSettings { Concurrency = [1, 4], LongAnswerConcurrency = [] } : new ClusterBenchSettings()) with
                {
                    EncodeThreads = result.GetValue(encodeThreads),
                    EncodeTurnPerStep = encodeTurnPerStep,
                    DecodeStepStretch = decodeStepStretch,
                },
                YardstickMatmulSize = isQuick ? 1024 : 2048,
                TrainingSteps = result.GetValue(training) ? Math.Max(1, isQuick ? Math.Min(4, result.GetValue(trainingSteps)) : result.GetValue(trainingSteps)) : 0,
                TrainingModel = result.GetValue(trainingModel),
                Load = result.GetValue(load)
                    ? new LoadSettings
                    {
                        Users = result.GetValue(loadUsers),
                        TurnsPerUser = result.GetValue(loadTurns),
                        Images = result.GetValue(loadImages),
                        Silos = result.GetValue(loadSilos),
                        ModelDirectory = result.GetValue(loadModel),
                        DType = ServedOnCpu(result.GetValue(loadDType)!),
                    }
                    : null,
            };
            var report = new BenchReport
            {
                Machine = MachineInfo.Probe(),
                Command = "Osprey.Bench bench " + string.Join(' ', Environment.GetCommandLineArgs().Skip(2)),
            };
            await new BenchRun(plan, report, Console.Error).RunAsync();

            var tables = report.ToMarkdown();
            Console.WriteLine(tables);
            if (result.GetValue(markdown) is { } markdownPath) await File.WriteAllTextAsync(markdownPath, tables, cancellationToken);
            if (result.GetValue(json) is { } jsonPath)
                await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
            return 0;
        }));
        return command;
    }

    /// <summary>An option that takes a number above <paramref name="above"/> or "off" (null); unset keeps <paramref name="fallback"/>.</summary>
    private static bool TryNumberOrOff(string? text, double above, double? fallback, out double? value)
    {
        value = fallback;
        if (text is null) return true;
        if (text == "off")
        {
            value = null;
            return true;
        }
        if (!double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var number)
            || !(number > above) || !double.IsFinite(number)) return false;
        value = number;
        return true;
    }

    /// <summary>A dtype option's value as the name of the dtype the CPU engine serves with it ("auto" resolved).</summary>
    private static string ServedOnCpu(string name) => DTypeName.Format(DTypeName.Resolve(name, DeviceType.CPU, CpuFeatures.Current));
}
