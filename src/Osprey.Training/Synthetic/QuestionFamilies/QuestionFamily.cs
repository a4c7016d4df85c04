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
    public const string WhichRegion = "which";

    /// <summary>
    /// Not a family of its own: the row a served evaluation counts an unsuffixed "What is regionK?" in
    /// once more, by whether its answer names the region's category at all (its own family, description,
    /// wants the whole short description).
    /// </summary>
    public const string WhatIsNamesCategory = "whatis-names-category";
}
