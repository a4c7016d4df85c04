using System.Runtime.InteropServices;

namespace Osprey.Engine.Layers;

/// <summary>
/// Machine code the process runs from bytes it holds: copied into pages of its own, which are then made
/// executable and never writable again (Linux). For the few instructions .NET has no intrinsics for.
/// </summary>
internal static class ExecutableCode
{
    private const int ProtRead = 1, ProtWrite = 2, ProtExec = 4, MapPrivate = 0x02, MapAnonymous = 0x20;

    [DllImport("libc", SetLastError = true)]
    private static extern nint mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

    [DllImport("libc", SetLastError = true)]
    private static extern int mprotect(nint address, nuint length, int protection);

    [DllImport("libc", SetLastError = true)]
    private static extern int munmap(nint address, nuint length);

    /// <summary>The entry point of <paramref name="code"/> (its first byte), loaded for the life of the process; 0 where pages cannot be made executable.</summary>
    public static unsafe nint Load(ReadOnlySpan<byte> code)
    {
        if (!OperatingSystem.IsLinux() || code.IsEmpty) return 0;
        try
        {
            var length = (nuint)code.Length;
            var pages = mmap(0, length, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
            if (pages == -1) return 0;
            code.CopyTo(new Span<byte>((void*)pages, code.Length));
            if (mprotect(pages, length, ProtRead | ProtExec) == 0) return pages;
            munmap(pages, length);
            return 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return 0;
        }
    }
}
