using Osprey.Engine.Checkpoints;
using Osprey.Engine.Tokenization;

namespace Osprey.Bench.Peers;

/// <summary>
/// The bench's llama.cpp phase: for each dtype, the bench model's language weights (read back from the
/// bench model directory, the values the engine served) as a GGUF file, then the script's prefill and
/// decode measurements at the context the engine used for that dtype.
/// </summary>
public static class LlamaCppPeer
{
    /// <param name="files">The bench model's GGUF files; null when no bench model was built.</param>
    public static void Run(BenchPlan plan, BenchReport report, GgufFiles? files, int threads, Action<string> log)
    {
        if (files is null || !report.Configs.TryGetValue("bench", out var config))
        {
            report.LlamaCppNote = "Skipped: the llama.cpp comparison runs on the bench model (drop --no-bench-model).";
            return;
        }
        var (runner, reason) = LlamaCppRun.Locate(plan.Node, plan.LlamaCppScript);
        if (runner is null)
        {
            report.LlamaCppNote = $"Skipped: {reason}.";
            return;
        }
        try
        {
            foreach (var dtype in plan.DTypes)
            {
                var gguf = files.For(dtype);
                var context = report.Engine.FirstOrDefault(e => e.Model == "bench" && e.DType == dtype)?.PrefillTokens ?? plan.Engine.PrefillTokens;
                log($"llama.cpp {dtype}: prefill {context} tokens, decode steps for 1 and {plan.Engine.DecodeBatch} sequences");
                report.LlamaCpp.Add(runner.Run(gguf, config.Language, dtype, context, plan.Engine.DecodeSteps, plan.Engine.DecodeBatch, threads,
                    plan.Engine.Seed, TimeSpan.FromMinutes(30)));
            }
        }
        // The peer is a comparison: a failure to write or run it is reported, and the rest of the bench stands.
        catch (Exception e) when (e is InvalidOperationException or CheckpointException or TokenizerLoadException or IOException)
        {
            report.LlamaCppNote = $"The llama.cpp run failed: {e.Message}";
        }
    }

    /// <summary>
    /// llama.cpp kept running on the bench model's weights in <paramref name="dtype"/>, prefilled to the
    /// engine's context, so the engine bench can time its batch-1 steps in turn with llama.cpp's; null
    /// (with the reason in the report's notes) when the peer cannot run.
    /// </summary>
    public static LlamaCppSession? StartBeside(BenchPlan plan, BenchReport report, GgufFiles files, string dtype, int prefillTokens,
        int threads, Action<string> log)
    {
        var (runner, _) = LlamaCppRun.Locate(plan.Node, plan.LlamaCppScript);
        if (runner is null) return null; // the llama.cpp section says why
        try
        {
            var gguf = files.For(dtype);
            log($"llama.cpp {dtype} beside the engine: prefilling {prefillTokens} tokens");
            return LlamaCppSession.Start(runner.Node, runner.Script, gguf, prefillTokens, threads, plan.Engine.Seed, TimeSpan.FromMinutes(10));
        }
        catch (Exception e) when (e is InvalidOperationException or CheckpointException or TokenizerLoadException or IOException)
        {
            report.Notes.Add($"llama.cpp {dtype} could not run beside the engine, so its steps were not timed in turn: {e.Message}");
            return null;
        }
    }

    /// <summary>The GGUF files of a run on <paramref name="directory"/>: its weights, with the tokenizer it carries or the shipped model's.</summary>
    // The bench directory carries --tiny's tokenizer when given; the shipped model's is the same LLaMA vocabulary.
    public static GgufFiles FilesOf(BenchModelDirectory directory, Action<string> log) =>
        new(directory.Path, directory.HasTokenizer ? directory.Path : Osprey.Engine.DefaultModel.Resolve(null), log);
}
