using System.CommandLine;
using TorchSharp;

namespace Osprey.Cli.Commands;

/// <summary>
/// <c>--threads N</c>: libtorch's intra-op thread count. On a machine whose cores are shared with other
/// work, one thread is often several times faster than the default: OpenMP workers spin while waiting
/// for a sibling thread that the scheduler has parked.
/// </summary>
public static class ComputeThreads
{
    public static Option<int> Create() =>
        new("--threads") { Description = "libtorch intra-op threads (0: libtorch's default, one per core)", DefaultValueFactory = _ => 0 };

    /// <param name="workers">
    /// Data-parallel replicas that will compute at once: without <c>--threads</c> they share the cores
    /// rather than each start one intra-op thread per core.
    /// </param>
    public static void Apply(ParseResult result, Option<int> option, int workers = 1)
    {
        var threads = result.GetValue(option);
        if (threads < 0) throw new ArgumentException($"--threads must be 0 or positive, got {threads}");
        if (threads == 0 && workers > 1) threads = Math.Max(1, Environment.ProcessorCount / workers);
        if (threads > 0) torch.set_num_threads(threads);
    }
}
