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
    public static nint Export(string fileNamePrefix, string symbol) => Exports(fileNamePrefix, symbol)[0];

    /// <summary>The addresses of <paramref name="symbols"/> in that library (the process's maps read once), each 0 when missing.</summary>
    public static nint[] Exports(string fileNamePrefix, params string[] symbols)
    {
        var addresses = new nint[symbols.Length];
        // Loads libtorch (and with it its OpenMP runtime) if nothing has yet.
        torch.get_num_threads();
        string[] maps;
        try { maps = File.ReadAllLines("/proc/self/maps"); }
        catch (IOException) { return addresses; }
        catch (UnauthorizedAccessException) { return addresses; }
        var path = maps.Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length >= 6)
            .Select(fields => string.Join(' ', fields[5..]))
            .FirstOrDefault(p => Path.GetFileName(p).StartsWith(fileNamePrefix, StringComparison.Ordinal));
        if (path is null || !NativeLibrary.TryLoad(path, out var library)) return addresses;
        for (var i = 0; i < symbols.Length; i++)
            addresses[i] = NativeLibrary.TryGetExport(library, symbols[i], out var address) ? address : 0;
        return addresses;
    }
}
