using System.Text.Json;
using Osprey.Cli.Commands;
using Osprey.Engine.Segmentation;

namespace Osprey.Cli.Tests;

/// <summary><c>osprey eval-sam</c> on the repository's default SAM: the evaluation file, and bad input refused before anything is written.</summary>
public sealed class EvalSamCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("osprey-eval-sam-").FullName;
    private string Output => Path.Combine(_dir, "eval.json");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string DefaultModel => DefaultSam.Locate() ?? throw new InvalidOperationException("the repository's models/sam-default was not found");

    [Fact]
    public async Task Writes_every_measure_for_the_scenes_asked()
    {
        var (code, errors) = await CommandRun.Invoke(EvalSamCommand.Create(),
            "--sam", DefaultModel, "--eval-scenes", "2", "--eval-seed", "77", "--threads", "1", "--output-json", Output);
        Assert.True(code == 0, errors);
        using var written = JsonDocument.Parse(await File.ReadAllTextAsync(Output));
        var root = written.RootElement;
        Assert.Equal(77, root.GetProperty("seed").GetInt64());
        Assert.Equal(2, root.GetProperty("scenes").GetInt32());
        Assert.True(root.GetProperty("objects").GetInt32() > 0);
        foreach (var measure in new[] { "click_single_mask_mean_iou", "click_best_scored_of_three_mean_iou", "centre_click_single_mask_mean_iou", "box_mean_iou" })
            Assert.InRange(root.GetProperty(measure).GetDouble(), 0, 1);
    }

    [Fact]
    public async Task No_scenes_is_refused_and_nothing_is_written()
    {
        var (code, errors) = await CommandRun.Invoke(EvalSamCommand.Create(), "--sam", DefaultModel, "--eval-scenes", "0", "--output-json", Output);
        Assert.Equal(2, code);
        Assert.Contains("--eval-scenes", errors);
        Assert.False(File.Exists(Output));
    }

    [Fact]
    public async Task A_missing_model_directory_is_a_clear_error_naming_it()
    {
        var missing = Path.Combine(_dir, "no-such-model");
        var (code, errors) = await CommandRun.Invoke(EvalSamCommand.Create(), "--sam", missing, "--output-json", Output);
        Assert.Equal(2, code);
        Assert.Contains("no-such-model", errors);
        Assert.False(File.Exists(Output));
    }
}
