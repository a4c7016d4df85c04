namespace Osprey.Bench.Engine;

/// <summary>The shapes and repetitions of one engine bench run.</summary>
public sealed record EngineBenchSettings
{
    /// <summary>Prompt positions of a first turn: the image's tokens plus text (Osprey's prompts are ~1.1k).</summary>
    public int PrefillTokens { get; init; } = 1100;

    /// <summary>New positions of a follow-up question.</summary>
    public int FollowUpTokens { get; init; } = 20;

    /// <summary>Decode steps timed per batch size (their median is reported), and per profile.</summary>
    public int DecodeSteps { get; init; } = 12;

    /// <summary>Sequences in the batched decode step.</summary>
    public int DecodeBatch { get; init; } = 8;

    /// <summary>Timed repetitions of the short phases (vision encode, cached follow-up); long ones run once after a warm-up.</summary>
    public int Repeat { get; init; } = 2;

    public long Seed { get; init; } = 1;

    /// <summary>
    /// Skip the image phases (vision encode, region encode, the from-scratch follow-up) and prefill text
    /// only: for a dtype this CPU computes too slowly to encode an image or prefill 1.1k tokens in time.
    /// </summary>
    public bool LanguageOnly { get; init; }

    /// <summary>
    /// A peer's batch-1 decode step (median over the given steps) at the same context, timed in turn with
    /// the engine's for <see cref="InterleavedRounds"/> rounds; null: no peer beside the engine.
    /// </summary>
    public Func<int, double>? PeerDecodeStep { get; init; }

    public int InterleavedRounds { get; init; } = 5;
}
