namespace Osprey.Training.Synthetic.QuestionFamilies;

/// <summary>How the wrong attribute of a negative yes/no question is chosen.</summary>
public enum YesNoNegatives
{
    /// <summary>A nearby object's attribute or a look-alike (<see cref="HardNegativeMiner"/>): what evaluation asks.</summary>
    Hard,

    /// <summary>Any other attribute, uniformly: far-apart pairs, a gentler start for a decoder that cannot yet match words.</summary>
    Any,
}
