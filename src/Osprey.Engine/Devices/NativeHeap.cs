using System.Runtime.InteropServices;

namespace Osprey.Engine.Devices;

/// <summary>
/// glibc's malloc, which libtorch's CPU tensors come from on Linux. A block above its mmap threshold
/// (which grows with use but stops at 32 MB) is mapped fresh and unmapped when freed, so every
/// temporary that large — attention scores, activations and their gradients — is faulted in page by
/// page on each use. <see cref="KeepFreedBlocks"/> makes malloc serve such blocks from its heap and keep
/// what is freed there for the next one. Measured on a 2-core AMD EPYC (2026-12-05, 30 steps of
/// <c>osprey train-sam</c> from the default SAM at two threads, alternating, identical losses): 34 and 37 s
/// of training without it (2.25 and 2.29 million minor page faults, 815–821 MB peak), 18 and 20 s with it
/// (0.21 million, 919–921 MB); 30 steps of <c>osprey train</c> (the default model's box round, one
/// thread) 28 and 35 s without, 20 and 22 s with it (0.9–1.6 → 0.21 million faults, 875–880 → 891–925 MB).
/// <c>osprey pretrain-vision</c>'s small tensors gain nothing (0.23 and 0.24 s a step). The price is memory: the process keeps its
/// largest working set instead of returning it between steps, so it is for batch jobs (training), not
/// for a long-lived server whose peaks come and go.
/// </summary>
public static class NativeHeap
{
    private const int MmapThreshold = -3, TrimThreshold = -1;

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int Mallopt(int parameter, int value);

    /// <summary>Keeps large freed blocks in the process for reuse; false where malloc is not glibc's (nothing changes then).</summary>
    public static bool KeepFreedBlocks()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            return Mallopt(MmapThreshold, int.MaxValue) == 1 && Mallopt(TrimThreshold, int.MaxValue) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }
}
