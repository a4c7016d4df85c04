namespace Osprey.Training.Synthetic.QuestionFamilies;

/// <summary>A kind of question that can be asked about a scene.</summary>
public interface IQuestionFamily
{
    string Name { get; }

    bool AppliesTo(SyntheticScene scene);

    /// <summary>
    /// A sample about <paramref name="scene"/>. <paramref name="ordinal"/> counts the samples this family
    /// produced before in the same dataset; families that must be balanced (yes/no) alternate on it.
    /// </summary>
    InstructionSample Create(SyntheticScene scene, SeededRandom rng, int ordinal);
}
