using Osprey.Training.Synthetic;

namespace Osprey.Training.Pretraining;

/// <summary>
/// r₁…r_L r₁…r_L over random pool tokens, scored on the repeat: predicting it needs the induction
/// circuit — find the earlier occurrence of the current token and copy what followed it.
/// </summary>
public sealed class RepeatedTokenSequences : ILookupSequences
{
    private readonly IReadOnlyList<int> _pool;
    private readonly int _bosId, _minLength, _maxLength;

    /// <param name="minLength">Fewest random tokens before the repeat.</param>
    /// <param name="maxLength">Most random tokens before the repeat (the sequence is twice as long).</param>
    public RepeatedTokenSequences(IReadOnlyList<int> pool, int bosId, int minLength, int maxLength)
    {
        if (minLength < 2 || maxLength < minLength)
            throw new ArgumentOutOfRangeException(nameof(minLength), $"sequence lengths {minLength}..{maxLength}: at least 2, min ≤ max");
        (_pool, _bosId, _minLength, _maxLength) = (pool, bosId, minLength, maxLength);
    }

    /// <summary>Twice the longest random run, plus BOS.</summary>
    public int LongestSequence => 2 * _maxLength + 1;

    public string Description => $"repeated random token sequences of {_minLength}..{_maxLength} of {_pool.Count} ids";

    /// <summary>The random half alone.</summary>
    public int[] Half(SeededRandom rng)
    {
        var half = new int[_minLength + rng.Next(_maxLength - _minLength + 1)];
        for (var i = 0; i < half.Length; i++) half[i] = _pool[rng.Next(_pool.Count)];
        return half;
    }

    public LookupSequence Draw(SeededRandom rng)
    {
        var half = Half(rng);
        long[] ids = [_bosId, .. half, .. half];
        // Position p predicts p + 1; the repeat's tokens after its first are predictable by induction.
        var scored = Enumerable.Range(half.Length + 1, half.Length - 1).ToArray();
        return new LookupSequence(ids, scored);
    }
}
