using System.Text;

namespace Osprey.Training.Evaluation;

/// <summary>
/// Normalisation for exact-match scoring (as in VQA-style evaluation): lower case, punctuation
/// removed, the articles "a", "an", "the" dropped, whitespace collapsed.
/// </summary>
public static class AnswerNormalizer
{
    private static readonly HashSet<string> Articles = ["a", "an", "the"];

    public static string Normalize(string answer) => string.Join(' ', Words(answer));

    public static IReadOnlyList<string> Words(string answer)
    {
        var cleaned = new StringBuilder(answer.Length);
        foreach (char ch in answer.ToLowerInvariant())
            cleaned.Append(char.IsLetterOrDigit(ch) ? ch : ' ');
        return cleaned.ToString()
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Where(w => !Articles.Contains(w))
            .ToList();
    }

    public static bool Matches(string prediction, string expected) => Normalize(prediction) == Normalize(expected);
}
