using System.Text;
using Osprey.Training.Evaluation;

namespace Osprey.Cli.Commands;

/// <summary>The evaluation report as a plain-text table: one row per family, swapped-mask columns where measured.</summary>
public static class EvaluationTable
{
    public static string Format(EvaluationReport report)
    {
        var text = new StringBuilder();
        text.AppendLine($"{"family",-22} {"n",5} {"accuracy",9} {"sem. IoU",9} {"swapped",9} {"chance",8}");
        foreach (var (name, score) in report.Families.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            text.Append($"{name,-22} {score.N,5} {score.Accuracy,9:P1} {score.SemanticIoU,9:F3}");
            if (report.Swapped.TryGetValue(name, out var swapped))
                text.Append($" {swapped.Accuracy,9:P1} {swapped.Chance,8:P1}");
            text.AppendLine();
        }
        return text.ToString().TrimEnd();
    }

    /// <summary>A served evaluation: the conversation table, its accuracy per family per turn, the single-question table.</summary>
    public static string Format(ServedEvaluationReport report)
    {
        var text = new StringBuilder();
        if (report.Conversation.Families.Count > 0)
        {
            text.AppendLine("Multi-region conversations (RegionChat; the model's own answers as history)").AppendLine(Format(report.Conversation)).AppendLine();
            AppendSplit(text, "by turn", report.ConversationByTurn, t => "turn " + t);
            AppendSplit(text, "by region", report.ConversationByRegion, k => k == 0 ? "none named" : "region" + k);
        }
        if (report.Single.Families.Count > 0)
            text.AppendLine("Single questions (one-turn conversations; description as /describe asks it)").AppendLine(Format(report.Single));
        return text.ToString().TrimEnd();
    }

    /// <summary>One row per family, one column per key (a turn, a region number).</summary>
    private static void AppendSplit(StringBuilder text, string title, IReadOnlyDictionary<string, IReadOnlyDictionary<int, FamilyScore>> split, Func<int, string> column)
    {
        var keys = split.Values.SelectMany(k => k.Keys).Distinct().Order().ToList();
        text.Append($"{title,-12}");
        foreach (var key in keys) text.Append($" {column(key),12}");
        text.AppendLine();
        foreach (var (name, scores) in split.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            text.Append($"{name,-12}");
            foreach (var key in keys)
                text.Append(scores.TryGetValue(key, out var s) ? $" {$"{s.Accuracy:P0} ({s.N})",12}" : $" {"–",12}");
            text.AppendLine();
        }
        text.AppendLine();
    }
}
