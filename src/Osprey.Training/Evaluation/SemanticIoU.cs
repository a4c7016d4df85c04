namespace Osprey.Training.Evaluation;

/// <summary>
/// Semantic IoU as the Osprey paper reports it for referring classification: the intersection over
/// union of the word sets of prediction and answer (after <see cref="AnswerNormalizer"/>).
/// </summary>
public static class SemanticIoU
{
    public static double Compute(string prediction, string expected)
    {
        var predicted = AnswerNormalizer.Words(prediction).ToHashSet();
        var truth = AnswerNormalizer.Words(expected).ToHashSet();
        if (predicted.Count == 0 && truth.Count == 0) return 1.0;
        int intersection = predicted.Count(truth.Contains);
        int union = predicted.Count + truth.Count - intersection;
        return (double)intersection / union;
    }
}
