using Osprey.Training.Synthetic.QuestionFamilies;

namespace Osprey.Training.Evaluation;

/// <summary>
/// Minimum accuracies per question family ("comparison=0.95,yesno=0.9"), so a script can stop training
/// once a validation set says a family is learnt, or fail a run that did not learn it.
/// </summary>
public sealed record AccuracyBar(IReadOnlyDictionary<string, double> Minimums)
{
    public static AccuracyBar Parse(string text)
    {
        var minimums = FamilyNumbers.Parse(text, "accuracy bar", "ACCURACY", "comparison=0.95", [QuestionFamily.WhatIsNamesCategory]);
        if (minimums.Count == 0) throw new ArgumentException("name at least one FAMILY=ACCURACY bar");
        foreach (var (name, minimum) in minimums)
            if (minimum is < 0 or > 1 || double.IsNaN(minimum))
                throw new ArgumentException($"accuracy bar '{name}={minimum}': the accuracy is a fraction within 0..1");
        return new AccuracyBar(minimums);
    }

    /// <summary>One line per family below its bar; a family the report did not ask about counts as below.</summary>
    public IReadOnlyList<string> Shortfalls(EvaluationReport report)
    {
        var shortfalls = new List<string>();
        foreach (var (name, minimum) in Minimums.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            if (!report.Families.TryGetValue(name, out var score) || score.N == 0)
                shortfalls.Add($"{name}: no questions evaluated (bar {minimum:0.###})");
            else if (score.Accuracy < minimum)
                shortfalls.Add($"{name}: accuracy {score.Accuracy:0.###} is below {minimum:0.###} (n = {score.N})");
        }
        return shortfalls;
    }
}
