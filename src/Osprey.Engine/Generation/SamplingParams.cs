namespace Osprey.Engine.Generation;

/// <summary>
/// How one sequence picks its next tokens. <see cref="Temperature"/> 0 means greedy (argmax);
/// otherwise softmax(logits / T) restricted to the top-p nucleus, drawn with a generator seeded by
/// <see cref="Seed"/>. Every setter validates, so an instance is always usable.
/// </summary>
public sealed record SamplingParams
{
    public const int DefaultMaxNewTokens = 512;

    private readonly float _temperature;
    private readonly float _topP = 1f;
    private readonly int _maxNewTokens = DefaultMaxNewTokens;
    private readonly IReadOnlyList<string> _stopStrings = [];

    public static SamplingParams Greedy { get; } = new();

    /// <summary>0 for greedy decoding, else the softmax temperature (finite, &gt; 0).</summary>
    public float Temperature
    {
        get => _temperature;
        init
        {
            if (!float.IsFinite(value) || value < 0)
                throw new InvalidSamplingParamsException(nameof(Temperature), $"temperature must be a finite number ≥ 0 (0 = greedy), got {value}");
            _temperature = value;
        }
    }

    /// <summary>Nucleus size in (0, 1]; 1 keeps the whole distribution.</summary>
    public float TopP
    {
        get => _topP;
        init
        {
            if (!float.IsFinite(value) || value <= 0 || value > 1)
                throw new InvalidSamplingParamsException(nameof(TopP), $"top-p must be in (0, 1], got {value}");
            _topP = value;
        }
    }

    /// <summary>Seed of this sequence's generator; null draws a fresh seed (see <see cref="SequenceSampler.Seed"/>).</summary>
    public ulong? Seed { get; init; }

    public int MaxNewTokens
    {
        get => _maxNewTokens;
        init
        {
            if (value < 1)
                throw new InvalidSamplingParamsException(nameof(MaxNewTokens), $"max new tokens must be ≥ 1, got {value}");
            _maxNewTokens = value;
        }
    }

    /// <summary>Texts that end generation when produced; the stop string itself is not part of the answer.</summary>
    public IReadOnlyList<string> StopStrings
    {
        get => _stopStrings;
        init
        {
            if (value is null)
                throw new InvalidSamplingParamsException(nameof(StopStrings), "stop strings must not be null (use an empty list)");
            if (value.Any(string.IsNullOrEmpty))
                throw new InvalidSamplingParamsException(nameof(StopStrings), "stop strings must be non-empty");
            _stopStrings = value.ToArray();
        }
    }

    public bool IsGreedy => Temperature == 0;
}
