using Osprey.Training.Synthetic;

namespace Osprey.Training.Pretraining;

/// <summary>A kind of text-only sequence whose scored tokens can only be predicted by looking an earlier token up.</summary>
public interface ILookupSequences
{
    /// <summary>What the sequences are, for the checkpoint's record of its data.</summary>
    string Description { get; }

    LookupSequence Draw(SeededRandom rng);
}
