using System.CommandLine;
using System.Text;
using System.Text.Json;
using Osprey.Bench.Report;

namespace Osprey.Bench.Simulation;

/// <summary>
/// <c>simulate</c>: the cluster past one machine (<see cref="ClusterSimulation"/>), once with one silo
/// for its throughput and once as asked; prints a markdown table and writes the JSON fields of issue 22.
/// </summary>
public static class SimulateCommand
{
    public static Command Create()
    {
        var silos = new Option<int>("--silos") { DefaultValueFactory = _ => 64 };
        var images = new Option<int>("--images") { DefaultValueFactory = _ => 2000 };
        var conversations = new Option<int>("--conversations") { DefaultValueFactory = _ => 10000 };
        var turns = new Option<int>("--turns") { DefaultValueFactory = _ => 4 };
        var load = new Option<double>("--load") { Description = "Turn arrivals as a fraction of the modelled capacity", DefaultValueFactory = _ => 0.7 };
        var costModel = new Option<string>("--cost-model") { Description = "h100 | measured", DefaultValueFactory = _ => "h100" };
        var costJson = new Option<string?>("--cost-json") { Description = "The bench JSON --cost-model measured reads" };
        var kills = new Option<int>("--kill-silos") { Description = "Silos killed outright mid-run", DefaultValueFactory = _ => 0 };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 7 };
        var zipf = new Option<double>("--zipf") { Description = "Exponent of the images' popularity", DefaultValueFactory = _ => 1.1 };
        var answer = new Option<int>("--answer-tokens") { DefaultValueFactory = _ => 32 };
        var thinkSeconds = new Option<double>("--think-seconds") { Description = "Mean pause between an answer and the next question", DefaultValueFactory = _ => 2 };
        var model = new Option<string?>("--tokenizer-model") { Description = "Model directory whose tokenizer builds the prompts (default: the default model)" };
        var singleRuns = new Option<int>("--single-silo-runs") { Description = "Single-silo runs whose mean throughput the scaling efficiency divides by", DefaultValueFactory = _ => 4 };
        var window = new Option<double>("--window-ms") { Description = "Events this close in simulated time run before waiting for the grains' replies", DefaultValueFactory = _ => 2 };
        var json = new Option<string?>("--output-json");
        var command = new Command("simulate", "Simulate a cluster of many silos: real grains, placement and gateway client; each silo's engine a cost model")
        {
            silos, images, conversations, turns, load, costModel, costJson, kills, seed, zipf, answer, thinkSeconds, model, singleRuns, window, json,
        };
        command.SetAction((result, cancellationToken) => CommandErrors.Guard(async () =>
        {
            var settings = new SimulationSettings
            {
                Silos = result.GetValue(silos), Images = result.GetValue(images), Conversations = result.GetValue(conversations),
                Turns = result.GetValue(turns), Load = result.GetValue(load), KillSilos = result.GetValue(kills), Seed = result.GetValue(seed),
                Zipf = result.GetValue(zipf), AnswerTokens = result.GetValue(answer), ThinkSeconds = result.GetValue(thinkSeconds),
                WindowMs = result.GetValue(window),
            };
            if (settings.Silos < 1 || settings.Images < 1 || settings.Conversations < 1 || settings.Turns < 1 || settings.AnswerTokens < 1)
                return CommandErrors.Fail("--silos, --images, --conversations, --turns and --answer-tokens must be at least 1");
            if (result.GetValue(singleRuns) < 1) return CommandErrors.Fail("--single-silo-runs must be at least 1");
            if (settings.Load is <= 0 or > 1.5) return CommandErrors.Fail("--load must be within (0, 1.5]");
            if (settings.KillSilos < 0 || settings.KillSilos >= settings.Silos) return CommandErrors.Fail("--kill-silos must leave at least one silo");
            var cost = result.GetValue(costModel) switch
            {
                "h100" => CostModel.H100,
                "measured" when result.GetValue(costJson) is { } path => CostModel.Measured(path),
                "measured" => null,
                _ => null,
            };
            if (cost is null) return CommandErrors.Fail("--cost-model must be h100, or measured with --cost-json BENCH.json");
            var tokenizer = Osprey.Engine.DefaultModel.Resolve(result.GetValue(model));
            void Log(string line) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {line}");

            // One silo's throughput at the same load from the same workload scaled down (images and conversations ÷ silos, so
            // the same arrival window): a few such runs with seeds of their own, since one run of so few conversations
            // measures its own Poisson arrivals as much as the silo (±8 % at 64 silos' 156 conversations).
            var singles = new List<SimulationResult>();
            for (var i = 0; i < result.GetValue(singleRuns); i++)
                singles.Add(await ClusterSimulation.RunAsync(settings with
                {
                    Silos = 1, KillSilos = 0, Seed = settings.Seed + 1000 * i,
                    Images = Math.Max(1, settings.Images / settings.Silos),
                    Conversations = Math.Max(1, settings.Conversations / settings.Silos),
                }, cost, tokenizer, s => Log($"1 silo, run {i + 1}: {s}")));
            var single = singles.Average(s => s.ThroughputTurnsPerSecond);
            var run = await ClusterSimulation.RunAsync(settings, cost, tokenizer, Log);
            run = run with
            {
                SingleSiloThroughputTurnsPerSecond = single,
                SingleSiloRunsTurnsPerSecond = [.. singles.Select(s => s.ThroughputTurnsPerSecond)],
                ScalingEfficiency = run.ThroughputTurnsPerSecond / (settings.Silos * single),
            };
            Console.WriteLine(Markdown(run));
            if (result.GetValue(json) is { } output)
                await File.WriteAllTextAsync(output, JsonSerializer.Serialize(run, new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
            return 0;
        }));
        return command;
    }

    public static string Markdown(SimulationResult run)
    {
        var md = new StringBuilder();
        md.AppendLine(FormattableString.Invariant(
            $"### Simulation: {run.Silos} silos, {run.Conversations} conversations × {run.Turns / Math.Max(1, run.Conversations)}+ turns, {run.Images} images (Zipf), load {run.Load}, cost model {run.CostModel.Name}, {run.KilledSilos} killed"));
        md.AppendLine();
        var table = new MarkdownTable("measure", "value");
        table.Row("images used / encodes / re-encodes after kills", $"{run.ImagesUsed} / {run.Encodes} / {run.ReEncodesAfterKill}");
        table.Row("replica copies of features (not encodes)", $"{run.FeatureCopies}");
        table.Row("turns answered / lost / failed attempts", $"{run.Turns} / {run.LostTurns} / {run.FailedAttempts} ({string.Join(", ", run.FailuresByKind.Select(f => $"{f.Value} × {f.Key}"))})");
        table.Row("attempts whose debt to simulated time was written off (a stall)", $"{run.WrittenOffDebts}");
        table.Row("throughput turns/s (1 silo: the mean of its runs)", FormattableString.Invariant(
            $"{run.ThroughputTurnsPerSecond:G4} ({run.SingleSiloThroughputTurnsPerSecond:G3}: {string.Join(", ", run.SingleSiloRunsTurnsPerSecond.Select(t => t.ToString("G3", System.Globalization.CultureInfo.InvariantCulture)))})"));
        table.Row("scaling efficiency", FormattableString.Invariant($"{run.ScalingEfficiency:F3}"));
        table.Row("time to first token p50 / p99 ms (modelled)", FormattableString.Invariant($"{run.TtftMs.P50:F0} / {run.TtftMs.P99:F0}"));
        table.Row("follow-up time to first token p50 / p99 ms (modelled)", FormattableString.Invariant($"{run.FollowUpTtftMs.P50:F0} / {run.FollowUpTtftMs.P99:F0}"));
        table.Row("silo load max / mean (turns served)", FormattableString.Invariant($"{run.SiloLoad.MaxOverMean:F2} ({run.SiloLoad.Max} / {run.SiloLoad.Mean:F0})"));
        table.Row("modelled capacity turns/s a silo", FormattableString.Invariant($"{run.ModelledCapacityPerSilo:G3}"));
        table.Row("simulated s / wall s", FormattableString.Invariant($"{run.SimulatedSeconds:F1} / {run.WallSeconds:F0}"));
        md.Append(table);
        return md.ToString();
    }
}
