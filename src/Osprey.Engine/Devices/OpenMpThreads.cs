using System.Runtime.InteropServices;
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

    private static nint Find()
    {
        // Loads libtorch (and with it its OpenMP runtime) if nothing has yet.
        torch.get_num_threads();
        string[] maps;
        try { maps = File.ReadAllLines("/proc/self/maps"); }
        catch (IOException) { return 0; }
        catch (UnauthorizedAccessException) { return 0; }
        var path = maps.Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length >= 6)
            .Select(fields => string.Join(' ', fields[5..]))
            .FirstOrDefault(p => Path.GetFileName(p).StartsWith("libgomp", StringComparison.Ordinal));
        if (path is null || !NativeLibrary.TryLoad(path, out var library)) return 0;
        return NativeLibrary.TryGetExport(library, "omp_set_num_threads", out var set) ? set : 0;
    }
}
