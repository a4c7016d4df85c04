using System.Text;

namespace Osprey.Bench.Peers;

/// <summary>The report's llama.cpp section: the engine and llama.cpp side by side per dtype, and llama.cpp's achieved read rate.</summary>
public static class LlamaCppSection
{
    public static void Append(StringBuilder md, BenchReport report)
    {
        if (report.LlamaCpp.Count == 0 && report.LlamaCppNote is null) return;
        md.AppendLine("### Against llama.cpp (same weights, same shapes, same run)");
        md.AppendLine();
        if (report.LlamaCppNote is not null) md.AppendLine(report.LlamaCppNote).AppendLine();
        if (report.LlamaCpp.Count == 0) return;
        var table = new MarkdownTable("phase", "dtype", "engine", "llama.cpp", "engine ÷ llama.cpp time");
        foreach (var l in report.LlamaCpp)
        {
            var e = report.Engine.FirstOrDefault(x => x.Model == "bench" && x.DType == l.DType);
            if (e is null) continue;
            table.Row($"prefill {l.PrefillTokens} tokens (tok/s)", l.DType, Number.Rate(e.PrefillTokensPerSecond), Number.Rate(l.PrefillTokensPerSecond),
                Number.Ratio(e.PrefillMs / l.PrefillMs));
            table.Row($"decode step b=1 at context {l.DecodeContext} (ms)", l.DType, Number.Ms(e.DecodeStepBatch1Ms), Number.Ms(l.DecodeStepMs),
                Number.Ratio(e.DecodeStepBatch1Ms / l.DecodeStepMs));
            if (e.InterleavedBatch1 is { } turns)
                table.Row($"decode step b=1, in turn, median of {turns.EngineMs.Count} rounds (ms)", l.DType, Number.Ms(turns.EngineMedianMs),
                    Number.Ms(turns.PeerMedianMs), Number.Ratio(turns.EngineMedianMs / turns.PeerMedianMs));
            table.Row($"decode step, {l.Batch} sequences (ms)", l.DType, Number.Ms(e.DecodeStepBatchedMs), Number.Ms(l.DecodeStepBatchedMs),
                Number.Ratio(e.DecodeStepBatchedMs / l.DecodeStepBatchedMs));
        }
        md.Append(table).AppendLine();
        var inTurn = report.Engine.Where(e => e.Model == "bench" && e.InterleavedBatch1 is not null).ToList();
        if (inTurn.Count > 0)
        {
            var rounds = string.Join("; ", inTurn.Select(e => $"{e.DType}: " + string.Join(", ",
                e.InterleavedBatch1!.EngineMs.Zip(e.InterleavedBatch1.PeerMs, (x, y) => $"{Number.Ms(x)} / {Number.Ms(y)}"))));
            md.AppendLine($"\"In turn\": llama.cpp kept running beside the engine on the same weights and context, the two timing their batch-1 steps alternately (each a median of several steps), so both meet the same stretches of the machine's memory bandwidth; the other rows time each peer in its own minute. Engine / llama.cpp ms per round: {rounds}.");
            md.AppendLine();
        }
        var any = report.LlamaCpp[0];
        md.AppendLine(FormattableString.Invariant(
            $"llama.cpp is node-llama-cpp {any.NodeLlamaCppVersion}'s prebuilt CPU build, {any.Threads} threads, its defaults otherwise (F16 K/V cache); the GGUF file holds the bench model's language weights (F32 or BF16 matrices, F32 norms). Above 1× the engine is slower. For the {any.Batch}-sequence step each llama.cpp sequence prefilled its own copy of the prompt first (untimed; the engine forks one cached prefix)."));
        md.AppendLine();
        var rates = string.Join(", ", report.LlamaCpp.Select(l => FormattableString.Invariant($"{l.DType} {Number.Rate(l.WeightReadGBps)} GB/s ({l.WeightBytesPerStep / 1e9:F2} GB of weights in {Number.Ms(l.DecodeStepMs)} ms)")));
        md.AppendLine($"llama.cpp's batch-1 decode streams its weights at {rates}; the \"of read bandwidth\" column above is against the better of that and the yardsticks.");
        md.AppendLine();
    }
}
