namespace Osprey.Training.Synthetic.QuestionFamilies;

/// <summary>How questions refer to regions: <c>region{k}&lt;mask&gt;&lt;pos&gt;</c> at first mention (k from 1), <c>region{k}</c> after.</summary>
public static class RegionText
{
    /// <summary>The short-form prompt the Osprey paper appends to questions that expect a short answer.</summary>
    public const string ShortAnswerSuffix = "Answer the question using a single word or phrase.";

    public const string Placeholder = "<mask><pos>";

    public static string Mention(int k) => $"region{k}{Placeholder}";

    public static string Name(int k) => $"region{k}";

    public static string Short(string question) => $"{question} {ShortAnswerSuffix}";

    /// <summary>The question with the short-answer suffix, or as it is.</summary>
    public static string Suffixed(string question, bool shortAnswer) => shortAnswer ? Short(question) : question;
}
