using System.Text;
using Osprey.Training.Evaluation;

namespace Osprey.Cli.Commands;

/// <summary>The evaluation report as a plain-text table: one row per family, swapped-mask columns where measured.</summary>
public static class EvaluationTable
{
    public static string Format(EvaluationReport report)
    {
        var text = new StringBuilder();
        text.AppendLine($"{"family",-12} {"n",5} {"accuracy",9} {"sem. IoU",9} {"swapped",9} {"chance",8}");
        foreach (var (name, score) in report.Families.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            text.Append($"{name,-12} {score.N,5} {score.Accuracy,9:P1} {score.SemanticIoU,9:F3}");
            if (report.Swapped.TryGetValue(name, out var swapped))
                text.Append($" {swapped.Accuracy,9:P1} {swapped.Chance,8:P1}");
            text.AppendLine();
        }
        return text.ToString().TrimEnd();
    }
}
