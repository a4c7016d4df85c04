namespace Osprey.Training.Synthetic.QuestionFamilies;

/// <summary>Names of the question families; they are the keys of evaluation reports.</summary>
public static class QuestionFamily
{
    public const string Description = "description";
    public const string Category = "category";
    public const string Colour = "colour";
    public const string Position = "position";
    public const string Size = "size";
    public const string Comparison = "comparison";
    public const string Counting = "counting";
    public const string Part = "part";
    public const string MultiTurn = "multiturn";
    public const string YesNo = "yesno";
}
