using System.Text;
using Osprey.Bench.Report;

namespace Osprey.Bench.Load;

/// <summary>The load measurement's markdown table.</summary>
public static class LoadSection
{
    public static void Append(StringBuilder md, LoadResult load)
    {
        md.AppendLine(FormattableString.Invariant(
            $"### Load ({load.Users} users × {load.TurnsPerUser} turns over {load.Images} images, {load.Silos} in-process silos behind the gateway)"));
        md.AppendLine();
        md.AppendLine(FormattableString.Invariant(
            $"Model: {load.Model} ({load.DType}); each turn streamed through the gateway's HTTP API, up to {load.NewTokensPerTurn} new tokens."));
        md.AppendLine();
        var table = new MarkdownTable("measure", "value");
        table.Row("errors", load.Errors == 0 ? "0" : $"{load.Errors} ({string.Join(", ", load.ErrorsByStatus.Select(e => $"{e.Value} × {(e.Key == 0 ? "no status" : e.Key.ToString())}"))})");
        table.Row("turns answered", $"{load.TurnsCompleted} of {load.Users * load.TurnsPerUser}");
        table.Row("time to first token p50 / p99 ms", $"{Number.Ms(load.TtftMs.P50)} / {Number.Ms(load.TtftMs.P99)}");
        table.Row("follow-up (turns 2+) time to first token p50 / p99 ms", $"{Number.Ms(load.FollowUpTtftMs.P50)} / {Number.Ms(load.FollowUpTtftMs.P99)}");
        table.Row("tokens/s (all users, wall time)", FormattableString.Invariant($"{Number.Rate(load.TokensPerSecond)} ({load.GeneratedTokens} tokens in {load.WallSeconds:F1} s)"));
        table.Row("max queue depth of a silo / bound", $"{load.MaxQueueDepth} / {load.QueueBound}");
        table.Row("max resident bytes of a silo / budget MiB", $"{Number.MiB(load.MaxBytesResident)} / {Number.MiB(load.MemoryBudgetBytes)}");
        table.Row("image encodes", load.ImageEncodes.ToString());
        table.Row("turns by silo", string.Join(", ", load.TurnsBySilo.Values));
        md.Append(table).AppendLine();
    }
}
