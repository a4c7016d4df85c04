using System.Runtime.InteropServices;
using TorchSharp;

namespace Osprey.Engine.Devices;

/// <summary>
/// Exports of the native libraries libtorch brought into the process (its OpenMP runtime, libtorch_cpu
/// itself), found by file name in <c>/proc/self/maps</c>: they are loaded from wherever the TorchSharp
/// packages put them, so no fixed path or name probing would find the very copy in use.
/// </summary>
internal static class LoadedLibrary
{
    /// <summary>The address of <paramref name="symbol"/> in the first loaded library whose file name starts with <paramref name="fileNamePrefix"/>; 0 when there is none.</summary>
    public static nint Export(string fileNamePrefix, string symbol)
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
            .FirstOrDefault(p => Path.GetFileName(p).StartsWith(fileNamePrefix, StringComparison.Ordinal));
        if (path is null || !NativeLibrary.TryLoad(path, out var library)) return 0;
        return NativeLibrary.TryGetExport(library, symbol, out var address) ? address : 0;
    }
}
