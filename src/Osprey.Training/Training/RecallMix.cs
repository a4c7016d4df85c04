using Osprey.Training.Pretraining;
using Osprey.Training.Synthetic;

namespace Osprey.Training.Training;

/// <summary>
/// Region recall mixed into every step of a run: beside its answer loss, each step adds
/// <see cref="Weight"/> times the <see cref="LookupLoss"/> of <see cref="PerStep"/> recall conversations.
/// A decoder that learnt to look <c>regionK</c> up in text lost that lookup again when stage 3 trained
/// on answers alone (answers depend on region1 far more often than on the others); kept in every step,
/// the lookup stays while grounding is learnt (models/osprey-default/README.md, "Region recall mixed
/// into every stage-3 step").
/// </summary>
public sealed record RecallMix(ILookupSequences Sequences, int PerStep, double Weight)
{
    /// <summary>Keeps recall draws apart from every other use of the run seed.</summary>
    private const ulong Purpose = 0x72656361_6c6c6d78;

    public void Validate()
    {
        if (PerStep < 1) throw new ArgumentOutOfRangeException(nameof(PerStep), PerStep, "at least one recall conversation per step");
        if (!(Weight > 0) || double.IsInfinity(Weight)) throw new ArgumentOutOfRangeException(nameof(Weight), Weight, "must be positive");
    }

    /// <summary>
    /// Recall is added to single-model steps only: data-parallel replicas compute the answer loss alone.
    /// Checked where a run is set up (the trainer, and the CLI before it loads a model).
    /// </summary>
    public static void RequireSingleWorker(int workers)
    {
        if (workers > 1)
            throw new ArgumentException("region recall is mixed into single-model steps only: train it with one worker (--workers 1)");
    }

    /// <summary>What the mix adds to a run's data, for the checkpoint's record (a resume must mix the same).</summary>
    public string Description => FormattableString.Invariant($"{PerStep} per step of {Sequences.Description}, weight {Weight}");

    /// <summary>The recall conversations of step <paramref name="stepIndex"/> (0-based), drawn from the run seed and their index alone.</summary>
    public IReadOnlyList<LookupSequence> ForStep(long seed, int stepIndex) =>
        [.. Enumerable.Range(0, PerStep).Select(i => Sequences.Draw(SeededRandom.Derive(seed, (long)stepIndex * PerStep + i, Purpose)))];
}
