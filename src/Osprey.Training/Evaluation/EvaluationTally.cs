namespace Osprey.Training.Evaluation;

/// <summary>
/// Accumulates (family, expected, predicted) triples into an <see cref="EvaluationReport"/>.
/// The chance level of a family is the accuracy of a uniform guess among the distinct (normalised)
/// expected answers seen for that family.
/// </summary>
public sealed class EvaluationTally
{
    private readonly Dictionary<string, (int Correct, double IoU, int N)> _original = new();
    private readonly Dictionary<string, (int Correct, int N)> _swapped = new();
    private readonly Dictionary<string, HashSet<string>> _answers = new();

    /// <returns>Whether the prediction matches the expected answer.</returns>
    public bool Add(string family, string expected, string prediction)
    {
        bool matches = AnswerNormalizer.Matches(prediction, expected);
        var (correct, iou, n) = _original.GetValueOrDefault(family);
        _original[family] = (correct + (matches ? 1 : 0), iou + SemanticIoU.Compute(prediction, expected), n + 1);
        RecordAnswer(family, expected);
        return matches;
    }

    /// <summary>A prediction made with swapped masks, scored against the answer for the original masks.</summary>
    public void AddSwapped(string family, string originalExpected, string prediction)
    {
        var (correct, n) = _swapped.GetValueOrDefault(family);
        _swapped[family] = (correct + (AnswerNormalizer.Matches(prediction, originalExpected) ? 1 : 0), n + 1);
        RecordAnswer(family, originalExpected);
    }

    /// <summary>Scores whether the prediction names <paramref name="word"/> among its words; the word stands for the expected answer.</summary>
    public bool AddNamesWord(string family, string word, string prediction)
    {
        bool names = AnswerNormalizer.Words(prediction).Contains(AnswerNormalizer.Normalize(word));
        var (correct, iou, n) = _original.GetValueOrDefault(family);
        _original[family] = (correct + (names ? 1 : 0), iou + SemanticIoU.Compute(prediction, word), n + 1);
        RecordAnswer(family, word);
        return names;
    }

    /// <summary>As <see cref="AddNamesWord"/> for a prediction made with swapped masks.</summary>
    public void AddSwappedNamesWord(string family, string originalWord, string prediction)
    {
        var (correct, n) = _swapped.GetValueOrDefault(family);
        _swapped[family] = (correct + (AnswerNormalizer.Words(prediction).Contains(AnswerNormalizer.Normalize(originalWord)) ? 1 : 0), n + 1);
        RecordAnswer(family, originalWord);
    }

    public EvaluationReport ToReport()
    {
        var families = new SortedDictionary<string, FamilyScore>(StringComparer.Ordinal);
        foreach (var (family, (correct, iou, n)) in _original)
            families[family] = new FamilyScore((double)correct / n, iou / n, n);
        var swapped = new SortedDictionary<string, SwappedScore>(StringComparer.Ordinal);
        foreach (var (family, (correct, n)) in _swapped)
            swapped[family] = new SwappedScore((double)correct / n, 1.0 / _answers[family].Count, n);
        return new EvaluationReport(families, swapped);
    }

    private void RecordAnswer(string family, string expected)
    {
        if (!_answers.TryGetValue(family, out var set)) _answers[family] = set = [];
        set.Add(AnswerNormalizer.Normalize(expected));
    }
}
