using System.Text.Json;

namespace Osprey.Bench.Simulation;

/// <summary>
/// What one silo's engine costs, in milliseconds of its accelerator: an image encode, a step of the
/// continuous-batching loop (weights read once, each decoding sequence's compute, the K/V of every
/// decoding sequence's context read, the prompt positions prefilled in the step), and the memory
/// its K/V takes. <see cref="H100"/> models a 7B LLaVA-class model on one H100 from published
/// measurements (bench/README.md, "Simulation"); <see cref="Measured"/> reads this machine's bench JSON.
/// </summary>
public sealed record CostModel
{
    public required string Name { get; init; }

    /// <summary>Where the numbers come from.</summary>
    public required string Source { get; init; }

    /// <summary>One image through the vision tower and projector.</summary>
    public required double EncodeMs { get; init; }

    /// <summary>Compute of one prompt position in prefill (GEMM-bound).</summary>
    public required double PrefillMsPerToken { get; init; }

    /// <summary>A step's fixed part: reading every weight once (decode is bandwidth-bound).</summary>
    public required double StepBaseMs { get; init; }

    /// <summary>Each sequence a step decodes.</summary>
    public required double DecodeMsPerSequence { get; init; }

    /// <summary>Reading one context position's K/V in a decode step.</summary>
    public required double DecodeMsPerContextPosition { get; init; }

    /// <summary>Positions an image takes in the prompt.</summary>
    public required int ImageTokens { get; init; }

    public required int ContextLength { get; init; }

    /// <summary>K/V bytes of one position (all layers, K and V).</summary>
    public required long KvBytesPerPosition { get; init; }

    /// <summary>One image's features kept resident.</summary>
    public required long FeatureBytes { get; init; }

    /// <summary>Memory for features and K/V once the weights are loaded.</summary>
    public required long MemoryBudgetBytes { get; init; }

    public required int MaxBatch { get; init; }

    /// <summary>Bytes a second one silo's features travel to another's over the network (a replica's copy).</summary>
    public required double NetworkBytesPerSecond { get; init; }

    /// <summary>Latency of one copy besides its bytes (a round trip and the copy into device memory).</summary>
    public required double NetworkLatencyMs { get; init; }

    /// <summary>A replica's copy of one image's features from its home silo.</summary>
    public double FeatureCopyMs => NetworkLatencyMs + FeatureBytes / NetworkBytesPerSecond * 1000;

    /// <summary>Positions a step may prefill and decode together (nano-vllm's max_num_batched_tokens).</summary>
    public required int TokenBudget { get; init; }

    public double StepMs(int prefillPositions, int decodingSequences, long decodeContextPositions) =>
        StepBaseMs + DecodeMsPerSequence * decodingSequences + DecodeMsPerContextPosition * decodeContextPositions + PrefillMsPerToken * prefillPositions;

    /// <summary>
    /// Osprey-7B / LLaVA-1.5-7B class (6.7 B language parameters, 32 layers × 4096, no GQA, 4096 positions) in bf16 on one
    /// H100 SXM 80 GB. Decode: NVIDIA's NeMo Framework Llama-2-7B inference table (1 × H100 80GB HBM3, TP 1, 128 input and
    /// 20 output tokens) gives 153.8 ms at batch 1 and 199.2 ms at batch 8: about 7.2 ms per step plus 0.23 ms per added
    /// sequence. Context: K/V of 0.5 MiB a position read at 2.6 TB/s (78 % of the 3.35 TB/s HBM3 peak, the share the batch-1
    /// step reaches on 13.5 GB of weights). Prefill: 2 × 6.7 GFLOP a position at 55 % of the 989 TFLOP/s bf16 dense peak
    /// (0.025 ms), consistent with TensorRT-LLM's published H100 throughput for LLaMA-7B at 2048 input tokens. Encode:
    /// Osprey's ConvNeXt-L at 512² (about 400 GFLOP with the projector, counted by the bench's ConvNeXtFlops) at batch 1 is
    /// launch- and depthwise-convolution-bound: 12 ms, an assumption (no published H100 number for this tower). A replica's copy
    /// of an image's features: 8 MiB at 10 GB/s (100 Gb/s Ethernet at 80 %) plus 0.1 ms.
    /// </summary>
    public static CostModel H100 { get; } = new()
    {
        Name = "h100",
        Source = "NeMo Framework Llama-2-7B inference latency (H100 80GB HBM3, TP 1); H100 SXM datasheet peaks; TensorRT-LLM perf overview; encode assumed",
        EncodeMs = 12,
        PrefillMsPerToken = 0.025,
        StepBaseMs = 7.0,
        DecodeMsPerSequence = 0.23,
        DecodeMsPerContextPosition = 524288 / 2.6e12 * 1000,
        ImageTokens = 1024,
        ContextLength = 4096,
        KvBytesPerPosition = 524288,
        FeatureBytes = 1024L * 4096 * 2,
        // 80 GB less 13.5 GB of weights and about 6 GB of activations and workspace.
        MemoryBudgetBytes = 60_000_000_000,
        MaxBatch = 128,
        TokenBudget = 4096,
        // 100 Gb/s Ethernet between serving nodes at 80 % of line rate (a DGX H100's ConnectX-7 ports run at 400 Gb/s, so this is
        // conservative), plus 0.1 ms for the round trip and the host-to-device copy: 0.94 ms for an image's 8 MiB.
        NetworkBytesPerSecond = 10e9,
        NetworkLatencyMs = 0.1,
    };

    /// <summary>
    /// This machine's bench model from a bench JSON (<c>--output-json</c>): its fastest engine row of the bench model
    /// with an image encode. Decode steps at batch 1 and batch N at the same context give the fixed and per-sequence parts
    /// (the context term is folded into the per-sequence part, measured at the bench's prefill length).
    /// </summary>
    public static CostModel Measured(string benchJsonPath)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(benchJsonPath));
        var rows = json.RootElement.GetProperty("Engine").EnumerateArray()
            .Where(r => r.GetProperty("Model").GetString() == "bench" && r.GetProperty("VisionEncodeMs").ValueKind == JsonValueKind.Number)
            .OrderBy(r => r.GetProperty("DecodeStepBatch1Ms").GetDouble())
            .ToList();
        if (rows.Count == 0) throw new ArgumentException($"{benchJsonPath}: no bench-model engine row with an image encode (run the bench with the bench model)");
        var row = rows[0];
        var batch = row.GetProperty("DecodeBatch").GetInt32();
        var one = row.GetProperty("DecodeStepBatch1Ms").GetDouble();
        var many = row.GetProperty("DecodeStepBatchedMs").GetDouble();
        var perSequence = Math.Max(0, (many - one) / Math.Max(1, batch - 1));
        var dtype = row.GetProperty("DType").GetString()!;
        var bytes = dtype == "fp32" ? 4 : 2;
        return new CostModel
        {
            Name = "measured",
            Source = $"{Path.GetFileName(benchJsonPath)}: bench model {dtype} (ConvNeXt-L 512² + 4 of Osprey-7B's 32 LLaMA layers, random weights) on this machine",
            EncodeMs = row.GetProperty("VisionEncodeMs").GetDouble(),
            PrefillMsPerToken = row.GetProperty("PrefillMs").GetDouble() / row.GetProperty("PrefillTokens").GetInt32(),
            StepBaseMs = one - perSequence,
            DecodeMsPerSequence = perSequence,
            DecodeMsPerContextPosition = 0,
            ImageTokens = 1024,
            ContextLength = 4096,
            KvBytesPerPosition = 4L * 2 * 4096 * bytes,
            FeatureBytes = 1024L * 4096 * bytes,
            MemoryBudgetBytes = 8L * 1024 * 1024 * 1024,
            MaxBatch = 16,
            TokenBudget = 2048,
            NetworkBytesPerSecond = 10e9,
            NetworkLatencyMs = 0.1,
        };
    }
}
