namespace Osprey.Engine.Prompting;

/// <summary>The two questions Osprey was trained to answer about a single region.</summary>
public static class DescriptionQuestions
{
    public const string Short = "Please give me a short description of <mask><pos>. Using a short phrase.";

    public const string Detailed = "Can you give me a detailed description of <mask><pos>?";
}
