namespace Osprey.Training.Synthetic;

/// <summary>
/// SplitMix64 generator. Own implementation rather than <see cref="Random"/> so that a seed
/// produces the same scenes on every runtime version (datasets and held-out splits are named by seed).
/// </summary>
public sealed class SeededRandom
{
    private ulong _state;

    public SeededRandom(ulong seed) => _state = seed;

    /// <summary>An independent stream for item <paramref name="index"/> of a dataset seeded with <paramref name="seed"/>.</summary>
    public static SeededRandom Derive(long seed, long index, ulong purpose = 0)
    {
        var mixer = new SeededRandom(unchecked((ulong)seed * 0x9E3779B97F4A7C15UL ^ purpose));
        ulong a = mixer.NextUInt64();
        var second = new SeededRandom(a ^ unchecked((ulong)index * 0xD1B54A32D192ED03UL));
        return new SeededRandom(second.NextUInt64());
    }

    public ulong NextUInt64()
    {
        unchecked
        {
            ulong z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, maxExclusive).</summary>
    public int Next(int maxExclusive)
    {
        if (maxExclusive <= 0) throw new ArgumentOutOfRangeException(nameof(maxExclusive));
        return (int)(NextDouble() * maxExclusive);
    }

    /// <summary>Uniform integer in [minInclusive, maxExclusive).</summary>
    public int Next(int minInclusive, int maxExclusive) => minInclusive + Next(maxExclusive - minInclusive);

    public double Uniform(double min, double max) => min + (max - min) * NextDouble();

    public bool Chance(double probability) => NextDouble() < probability;

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];
}
