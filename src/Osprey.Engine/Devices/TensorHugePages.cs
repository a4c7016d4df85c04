namespace Osprey.Engine.Devices;

/// <summary>
/// libtorch's own switch (<c>THP_MEM_ALLOC_ENABLE</c>) that aligns every CPU tensor of 2 MB or more to
/// 2 MB and asks the kernel for transparent huge pages there (<c>madvise(MADV_HUGEPAGE)</c>), so memory
/// touched for the first time faults in 2 MB at a time instead of 4 KB. On the virtual machines this
/// runs on a page fault is dear: filling a freshly allocated 38 MB tensor (the vocabulary head's logits
/// for 300 answer tokens) took 90–118 ms against 1 ms for the same tensor filled again, and 11–20 ms with
/// huge pages (2-core AMD EPYC, 2026-12-06). Training is where it tells: its replicas allocate from
/// glibc's per-thread arenas, which <see cref="NativeHeap.KeepFreedBlocks"/> cannot keep, so every step
/// faults its activations and gradients in again. Thirty steps of the default model's third yes/no round
/// (two replicas of one thread, portable kernels), alternating: 31–40 s with huge pages against 37–48 s
/// without, 0.18–0.19 million minor page faults against 0.64–0.74 million, and the same weights bit for
/// bit: where memory comes from does not change what is computed.
/// Only where the system leaves huge pages to <c>madvise</c> or always uses them
/// (<c>/sys/kernel/mm/transparent_hugepage/enabled</c>); elsewhere it changes nothing.
/// </summary>
public static class TensorHugePages
{
    public const string Variable = "THP_MEM_ALLOC_ENABLE";

    /// <summary>
    /// Turns huge pages on for this process unless its environment already says (a user's
    /// <c>THP_MEM_ALLOC_ENABLE=0</c> stands) or libtorch is already loaded (it read the variable then).
    /// </summary>
    public static void Request()
    {
        if (!OperatingSystem.IsLinux() || NativeEnvironment.Get(Variable) is not null || NativeEnvironment.LibtorchLoaded) return;
        NativeEnvironment.Set(Variable, "1", overwrite: false);
    }

    /// <summary>Whether libtorch in this process allocates large tensors on huge pages (as far as the environment says).</summary>
    public static bool InEffect => OperatingSystem.IsLinux() && NativeEnvironment.Get(Variable) == "1";
}
