namespace Osprey.Engine.Serving;

/// <summary>How much one engine loop batches, queues and keeps resident.</summary>
public sealed record ServingOptions
{
    /// <summary>Most sequences one packed forward carries (prefill chunks and decode steps together).</summary>
    public int MaxBatchSize { get; init; } = 16;

    /// <summary>
    /// Most positions one packed forward carries: one per decoding sequence, the rest for prompt chunks.
    /// A long prompt is prefilled over several steps instead of stalling every running conversation for
    /// its whole length (chunked prefill, the token budget of vLLM's and nano-vllm's schedulers).
    /// </summary>
    public int MaxBatchedTokens { get; init; } = 512;

    /// <summary>
    /// Most sequences submitted and not yet admitted into the batch. Past it the engine refuses at once
    /// (<see cref="EngineQueueFullException"/>) instead of holding unbounded work in memory.
    /// </summary>
    public int MaxWaitingSequences { get; init; } = 64;

    /// <summary>Budget for resident image features, prefix KV caches and conversation KV caches, in bytes.</summary>
    public long MemoryBudgetBytes { get; init; } = 4L * 1024 * 1024 * 1024;

    /// <summary>
    /// libtorch intra-op threads of the image encoder's thread, which runs beside the decode steps; null
    /// leaves libtorch's default (as many as the engine thread's).
    /// </summary>
    public int? EncodeThreads { get; init; }

    /// <summary>
    /// While sequences run, an image encode advances only between decode steps, in slices (a ConvNeXt
    /// block, a third of a decoder layer of a prefix chunk), for about this many times a typical step; then the
    /// next step runs. Both would otherwise share the cores at once and stretch every step for the whole
    /// encode. With nothing running the encode runs free. Null lets the encode run beside the steps
    /// regardless (the cores shared at once). Turns of half a step were measured and not kept: a running
    /// conversation's median gap fell by about half a step, its longest (the machine's slowest steps plus a
    /// turn) did not, and the newcomer's encode beside decoding took 15–19 s instead of 11–13 (bench
    /// model, bf16, 2-core AMD EPYC, 2026-12-06).
    /// </summary>
    public double? EncodeTurnPerStep { get; init; } = 1.0;

    /// <summary>
    /// While sequences decode, a step carries only as many prompt positions (a newcomer's prompt, a
    /// follow-up question) as keep it within about this many times the decode step of the batch once the
    /// sequences taking their prompts decode too (<see cref="PrefillPacing"/>); the rest follow in the next steps. A running conversation's gap
    /// between tokens then stays near its step when others join, at the price of the newcomer's first
    /// token coming a few steps later. Null: the token budget alone bounds a step.
    /// </summary>
    public double? DecodeStepStretch { get; init; } = 1.5;

    /// <summary>
    /// Before it takes its first command, the engine thread runs a short region chat of its own
    /// (<see cref="ServingWarmUp"/>) so that the first user does not pay for the process's first calls.
    /// Servers want it; a command that loads a model for one answer does not.
    /// </summary>
    public bool WarmUp { get; init; }

    /// <summary>Where the loop records its step durations and users' waits (the host's meter); null records nothing.</summary>
    public LatencyInstruments? Latency { get; init; }

    /// <summary>The one check of these limits, made when an engine starts.</summary>
    public void Validate()
    {
        if (MaxBatchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxBatchSize), MaxBatchSize, "at least one sequence per step");
        // Every step leaves at least one position for a waiting prompt, so no prefill starves behind decodes.
        if (MaxBatchedTokens <= MaxBatchSize)
            throw new ArgumentOutOfRangeException(nameof(MaxBatchedTokens), MaxBatchedTokens,
                $"the token budget must exceed the batch size ({MaxBatchSize}) so prompts progress beside full decode batches");
        if (MemoryBudgetBytes < 0)
            throw new ArgumentOutOfRangeException(nameof(MemoryBudgetBytes), MemoryBudgetBytes, "a memory budget cannot be negative");
        if (EncodeTurnPerStep is { } turn && !(turn > 0 && double.IsFinite(turn)))
            throw new ArgumentOutOfRangeException(nameof(EncodeTurnPerStep), EncodeTurnPerStep, "a positive multiple of the decode step, or null");
        if (DecodeStepStretch is { } stretch && !(stretch > 1 && double.IsFinite(stretch)))
            throw new ArgumentOutOfRangeException(nameof(DecodeStepStretch), DecodeStepStretch, "a multiple of the decode step above 1, or null");
        if (EncodeThreads is < 1)
            throw new ArgumentOutOfRangeException(nameof(EncodeThreads), EncodeThreads, "at least one encode thread");
    }
}
