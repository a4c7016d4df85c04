using System.Text.Json.Serialization;

namespace Osprey.Bench.Peers;

/// <summary>What <c>bench/llama_cpp.mjs</c> reports (milliseconds) for one dtype of the bench model's language weights.</summary>
public sealed record LlamaCppResult
{
    [JsonPropertyName("node_llama_cpp")] public string NodeLlamaCppVersion { get; init; } = "?";
    [JsonPropertyName("threads")] public int Threads { get; init; }
    [JsonPropertyName("prefill_tokens")] public int PrefillTokens { get; init; }
    [JsonPropertyName("prefill_ms")] public double PrefillMs { get; init; }
    [JsonPropertyName("decode_context")] public int DecodeContext { get; init; }
    [JsonPropertyName("decode_step_ms")] public double DecodeStepMs { get; init; }
    [JsonPropertyName("batch")] public int Batch { get; init; }
    [JsonPropertyName("batched_prefill_ms")] public double BatchedPrefillMs { get; init; }
    [JsonPropertyName("decode_step_batched_ms")] public double DecodeStepBatchedMs { get; init; }

    /// <summary>fp32 or bf16: the element type of the GGUF file's matrices.</summary>
    public string DType { get; init; } = "?";

    /// <summary>Bytes of weights one decode step reads (every layer matrix and the head), for the achieved read rate.</summary>
    public double WeightBytesPerStep { get; init; }

    public double PrefillTokensPerSecond => PrefillTokens / (PrefillMs / 1000);

    /// <summary>The rate at which llama.cpp's batch-1 decode streams its weights: a lower bound on the machine's read bandwidth.</summary>
    public double WeightReadGBps => WeightBytesPerStep / (DecodeStepMs / 1000) / 1e9;
}
