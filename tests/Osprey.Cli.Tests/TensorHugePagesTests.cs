using Osprey.Engine.Devices;

namespace Osprey.Cli.Tests;

/// <summary>
/// <c>osprey</c> has libtorch put large tensors on huge pages unless the environment says otherwise,
/// and where the memory comes from changes no weight.
/// </summary>
public sealed class TensorHugePagesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("osprey-huge-pages-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Training_puts_large_tensors_on_huge_pages_unless_told_not_to_and_trains_the_same_weights_either_way()
    {
        var on = await TinyTrainingRun.Run(Path.Combine(_dir, "on"), "native", new Dictionary<string, string?> { [TensorHugePages.Variable] = null });
        var off = await TinyTrainingRun.Run(Path.Combine(_dir, "off"), "native", new Dictionary<string, string?> { [TensorHugePages.Variable] = "0" });

        Assert.True(on.WeightsSha256 is not null, $"osprey train exited {on.ExitCode}:\n{on.Log}");
        Assert.True(off.WeightsSha256 is not null, $"osprey train exited {off.ExitCode}:\n{off.Log}");
        Assert.Contains("huge pages for large tensors: on", on.Log);
        Assert.Contains("huge pages for large tensors: off", off.Log);
        Assert.Equal(on.WeightsSha256, off.WeightsSha256);
    }

    [Fact]
    public void Once_libtorch_is_loaded_the_setting_is_left_as_it_was()
    {
        TorchSharp.torch.get_num_threads();
        var before = NativeEnvironment.Get(TensorHugePages.Variable);

        TensorHugePages.Request();

        Assert.Equal(before, NativeEnvironment.Get(TensorHugePages.Variable));
        Assert.Throws<InvalidOperationException>(() => NativeEnvironment.Set(TensorHugePages.Variable, "1", overwrite: true));
    }
}
