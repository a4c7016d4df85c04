namespace Osprey.Bench.Load;

/// <summary>The load measurement's shape: users each holding one conversation of several turns about one of a few images.</summary>
public sealed record LoadSettings
{
    public int Users { get; init; } = 64;
    public int TurnsPerUser { get; init; } = 5;
    public int Images { get; init; } = 8;
    public int Silos { get; init; } = 3;
    public int NewTokensPerTurn { get; init; } = 16;

    /// <summary>The served model (null: the default model, <c>models/osprey-default</c>).</summary>
    public string? ModelDirectory { get; init; }

    /// <summary>An explicit dtype name (the command resolves "auto").</summary>
    public string DType { get; init; } = "fp32";

    /// <summary>Each silo's bound on sequences waiting for a batch slot (the product's default).</summary>
    public int MaxWaitingSequences { get; init; } = 64;

    public int MaxBatchSize { get; init; } = 16;

    public static IReadOnlyList<string> Questions { get; } =
    [
        "What is <region1>?",
        "What colour is <region1>? Answer the question using a single word or phrase.",
        "Where is <region1> in the image? Answer the question using a single word or phrase.",
        "Is <region1> large? Answer the question using a single word or phrase.",
        "Give a short description of <region1>.",
    ];
}
