using Osprey.Cli.Commands;

namespace Osprey.Cli.Tests;

/// <summary>Options of <c>osprey train</c> that shape a run: what the model or the layout cannot hold is refused before any step runs.</summary>
public sealed class TrainCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("osprey-train-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Task<(int ExitCode, string Errors)> Train(params string[] attention) =>
        CommandRun.Invoke(TrainCommand.Create(), ["--init-from", FixturePaths.OspreyTiny, "--synthetic", "16", "--synthetic-layout", "conversations",
            "--steps", "1", "--batch-size", "1", "--out", Path.Combine(_dir, "out"),
            // In process, where libtorch is already loaded and so can no longer be pinned.
            "--kernels", "native", .. attention]);

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

    [Theory]
    [InlineData("1.5", "within 0..1")]
    [InlineData("-0.5", "within 0..1")]
    public async Task A_box_share_outside_zero_to_one_is_refused(string share, string expected)
    {
        var (code, errors) = await Train("--conversation-box-share", share);
        Assert.Equal(2, code);
        Assert.Contains(expected, errors);
        Assert.False(File.Exists(Path.Combine(_dir, "out", "model.safetensors")));
    }

    [Fact]
    public async Task A_box_share_shapes_conversations_and_is_refused_for_per_question_data()
    {
        var (code, errors) = await CommandRun.Invoke(TrainCommand.Create(), ["--init-from", FixturePaths.OspreyTiny, "--synthetic", "16",
            "--synthetic-layout", "per-question", "--conversation-box-share", "0.5", "--steps", "1", "--batch-size", "1", "--out", Path.Combine(_dir, "out"), "--kernels", "native"]);
        Assert.Equal(2, code);
        Assert.Contains("--conversation-box-share", errors);
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("-0.5")]
    public async Task A_scene_overlap_share_outside_zero_to_one_is_refused(string share)
    {
        var (code, errors) = await Train("--scene-overlap-share", share);
        Assert.Equal(2, code);
        Assert.Contains("OverlapShare", errors);
        Assert.Contains("[0, 1]", errors);
        Assert.False(File.Exists(Path.Combine(_dir, "out", "model.safetensors")));
    }

    [Fact]
    public async Task Conversations_train_on_scenes_with_objects_drawn_over_earlier_ones()
    {
        var (code, errors) = await Train("--scene-overlap-share", "0.75");
        Assert.True(code == 0, errors);
        Assert.True(File.Exists(Path.Combine(_dir, "out", "model.safetensors")));
    }

    [Fact]
    public async Task Conversations_train_with_a_share_of_boxed_regions()
    {
        var (code, errors) = await Train("--conversation-box-share", "0.5");
        Assert.True(code == 0, errors);
        Assert.True(File.Exists(Path.Combine(_dir, "out", "model.safetensors")));
    }
}
