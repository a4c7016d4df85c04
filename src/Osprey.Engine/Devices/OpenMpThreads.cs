using TorchSharp;

namespace Osprey.Engine.Devices;

/// <summary>
/// The calling thread's team size in the OpenMP runtime libtorch loaded (its bundled libgomp on Linux),
/// set directly rather than through <c>torch.set_num_threads</c>: that one also changes process-wide
/// state (MKL's thread settings, the count every new thread starts with, oneDNN's primitive cache),
/// which changed the bits of a later image encode on another thread. OpenMP keeps this count per thread.
/// </summary>
internal static unsafe class OpenMpThreads
{
    private static readonly nint SetExport = Find();

    /// <summary>False where libtorch's OpenMP runtime is not found (not Linux, or not loaded as a separate library).</summary>
    public static bool Available => SetExport != 0;

    /// <summary>The team size a parallel region opened on this thread gets from now on.</summary>
    public static void Set(int threads) => ((delegate* unmanaged<int, void>)SetExport)(threads);

    /// <summary>
    /// This thread's libtorch thread count from now on (a worker's own budget), leaving every other thread's
    /// and the count new threads start with as they were; through <c>torch.set_num_threads</c> where the
    /// OpenMP runtime is not found.
    /// </summary>
    public static void SetForThisThread(int threads)
    {
        if (Available) Set(threads);
        else torch.set_num_threads(threads);
    }

    private static nint Find() => LoadedLibrary.Export("libgomp", "omp_set_num_threads");
}
