namespace Osprey.Training.Synthetic.QuestionFamilies;

/// <summary>Which attribute yes/no questions ask about.</summary>
public enum YesNoKinds
{
    Both,
    Colour,
    Category,
}
