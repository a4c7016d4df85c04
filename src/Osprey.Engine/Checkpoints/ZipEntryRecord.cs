namespace Osprey.Engine.Checkpoints;

/// <summary>
/// One file of a zip archive as its central directory describes it: where its local header starts,
/// how it is compressed and how large it is (ZIP64 sizes already resolved).
/// </summary>
internal sealed record ZipEntryRecord(string Name, ushort Method, long CompressedSize, long UncompressedSize, long LocalHeaderOffset)
{
    public const ushort Stored = 0;
    public const ushort Deflated = 8;
}
