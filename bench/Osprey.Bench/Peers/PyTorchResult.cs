using System.Text.Json.Serialization;

namespace Osprey.Bench.Peers;

/// <summary>What <c>bench/pytorch_eager.py</c> reports (milliseconds); phases it did not run are null.</summary>
public sealed record PyTorchResult
{
    [JsonPropertyName("torch")] public string TorchVersion { get; init; } = "?";
    [JsonPropertyName("threads")] public int Threads { get; init; }
    [JsonPropertyName("dtype")] public string DType { get; init; } = "?";
    [JsonPropertyName("blas")] public string Blas { get; init; } = "?";
    [JsonPropertyName("matmul_gflops")] public double MatmulGflops { get; init; }
    [JsonPropertyName("vision_ms")] public double? VisionMs { get; init; }
    [JsonPropertyName("prefill_tokens")] public int? PrefillTokens { get; init; }
    [JsonPropertyName("prefill_ms")] public double? PrefillMs { get; init; }
    [JsonPropertyName("decode_context")] public int? DecodeContext { get; init; }
    [JsonPropertyName("decode_step_ms")] public double? DecodeStepMs { get; init; }
}
