using System.Runtime.InteropServices;

namespace Osprey.Engine.Devices;

/// <summary>
/// glibc's malloc, which libtorch's CPU tensors come from on Linux. A block above its mmap threshold
/// (which grows with use but stops at 32 MB) is mapped fresh and unmapped when freed, so every
/// temporary that large — attention scores, activations and their gradients — is faulted in page by page on each use. <see cref="KeepFreedBlocks"/>
/// makes malloc serve such blocks from its heap and keep what is freed there for the next one.
/// Measured on a 2-core AMD EPYC (2026-12-05, 30 steps of <c>osprey train-sam</c> from the default SAM at
/// two threads, alternating, identical losses): 34 and 37 s of training without it (2.25 and 2.29 million
/// minor page faults, 815–821 MB peak), 18 and 20 s with it (0.21 million, 919–921 MB); 30 steps of
/// <c>osprey train</c> (the default model's box round, one thread) 28 and 35 s without, 20 and 22 s with it.
/// The price is memory: the process keeps its largest working set instead of returning it between uses.
/// A serving engine turns it on once its model is loaded (<see cref="Serving.ServingEngine.Start"/>), so
/// the weights' own allocation is not affected and what is kept is the engine's working peak — encodes,
/// prefill chunks, batched steps — which comes back on every busy minute. On the served path (cluster
/// bench, bf16, 2-core AMD EPYC, 2026-12-05, with one arena as below): the process's peak 3.60–3.63 GiB
/// against 5.05 GiB, an image encoded alone in 5.3–5.9 s against 6.3–7.0 s.
/// <para>
/// Only the main arena (the sbrk heap) can keep a block above 64 MB: glibc's other arenas, which a
/// thread other than the process's first one allocates from, grow in heaps of at most 64 MB and map
/// anything larger afresh whatever the threshold. The engine loop and the encoder run on threads of their
/// own, so the hosts start with <c>MALLOC_ARENA_MAX=1</c> in their environment (Dockerfiles, launch
/// settings): every thread then allocates from the main arena. glibc reads it once, at the first
/// allocation, which is why it is the environment's and cannot be set from here.
/// </para>
/// </summary>
public static class NativeHeap
{
    private const int MmapThreshold = -3, TrimThreshold = -1;

    /// <summary>The environment variable that gives every thread glibc's main arena.</summary>
    public const string ArenaLimitVariable = "MALLOC_ARENA_MAX";

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

    /// <summary>Every thread allocates from the main arena (the process started with <c>MALLOC_ARENA_MAX=1</c>).</summary>
    public static bool OneArena => Environment.GetEnvironmentVariable(ArenaLimitVariable) == "1";
}
