using Osprey.Cli.Commands;

namespace Osprey.Cli.Tests;

/// <summary>The region-attention options of <c>osprey train</c>: a term the model cannot hold is refused before any step runs.</summary>
public sealed class TrainCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("osprey-train-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Task<(int ExitCode, string Errors)> Train(params string[] attention) =>
        CommandRun.Invoke(TrainCommand.Create(), ["--init-from", FixturePaths.OspreyTiny, "--synthetic", "16", "--synthetic-layout", "conversations",
            "--steps", "1", "--batch-size", "1", "--out", Path.Combine(_dir, "out"), .. attention]);

    [Theory]
    [InlineData("--region-attention-layer", "9", "layers 0..")]
    [InlineData("--region-attention-head", "9", "heads 0..")]
    [InlineData("--region-attention-head", "-2", "heads 0..")]
    public async Task A_head_the_model_does_not_have_is_refused_naming_the_range(string option, string value, string expected)
    {
        var (code, errors) = await Train("--region-attention-weight", "1", option, value);
        Assert.Equal(2, code);
        Assert.Contains(expected, errors);
        Assert.False(File.Exists(Path.Combine(_dir, "out", "model.safetensors")));
    }

    [Theory]
    [InlineData("--region-attention-circuit")]
    [InlineData("--region-attention-after-pair")]
    public async Task Attention_options_without_a_weight_are_refused(string option)
    {
        var (code, errors) = await Train(option);
        Assert.Equal(2, code);
        Assert.Contains("--region-attention-weight", errors);
    }
}
