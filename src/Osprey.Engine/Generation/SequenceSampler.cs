using TorchSharp;

namespace Osprey.Engine.Generation;

/// <summary>
/// The sampling state of one sequence: its parameters and its own seeded generator. Because each
/// sequence draws only from its own generator, its tokens depend on its seed alone, not on which
/// other sequences share the batch.
/// </summary>
public sealed class SequenceSampler : IDisposable
{
    public SamplingParams Params { get; }

    /// <summary>The seed actually used (drawn at random when <see cref="SamplingParams.Seed"/> is null).</summary>
    public ulong Seed { get; }

    /// <summary>CPU generator; null for greedy decoding, which draws nothing.</summary>
    internal torch.Generator? Generator { get; }

    public SequenceSampler(SamplingParams samplingParams)
    {
        Params = samplingParams ?? throw new ArgumentNullException(nameof(samplingParams));
        Seed = samplingParams.Seed ?? (ulong)Random.Shared.NextInt64(long.MaxValue);
        if (!samplingParams.IsGreedy) Generator = new torch.Generator(Seed, torch.CPU);
    }

    public void Dispose() => Generator?.Dispose();
}
