using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Osprey.Engine.Serving;

/// <summary>
/// Content addresses of a prompt's prefixes, as automatic prefix caching keys them: after the image
/// prompt prefix, every <see cref="Size"/> ids close a block whose key hashes the previous block's key,
/// the block's ids and, for each <c>&lt;mask&gt;&lt;pos&gt;</c> pair in it, its region mask's hash. The
/// first key starts from the image's id (the SHA-256 of its bytes), so two prompts share a key exactly
/// when they share the image, every id and every region up to that point.
/// </summary>
internal static class PromptBlocks
{
    public const int Size = 16;

    /// <summary>(key, ids covered) for every whole block of <paramref name="ids"/> after the first <paramref name="prefixIds"/> ids.</summary>
    public static List<(UInt128 Key, int Ids)> Of(string imageId, IReadOnlyList<int> ids, int prefixIds, int maskId,
        IReadOnlyList<int> regionOrder, IReadOnlyList<UInt128> regionHashes)
    {
        var blocks = new List<(UInt128, int)>();
        var key = Hash(System.Text.Encoding.UTF8.GetBytes(imageId));
        Span<byte> buffer = stackalloc byte[16 + Size * 4 + Size * 16];
        var pair = 0;
        for (var i = 0; i < prefixIds; i++)
            if (ids[i] == maskId) pair++;
        for (var end = prefixIds + Size; end <= ids.Count; end += Size)
        {
            var at = 0;
            BinaryPrimitives.WriteUInt128LittleEndian(buffer, key);
            at += 16;
            for (var i = end - Size; i < end; i++)
            {
                BinaryPrimitives.WriteInt32LittleEndian(buffer[at..], ids[i]);
                at += 4;
                if (ids[i] != maskId) continue;
                // A pair the request names no region for cannot be cached: the admission refuses it anyway.
                var region = pair < regionOrder.Count ? regionOrder[pair] : -1;
                var hash = region >= 0 && region < regionHashes.Count ? regionHashes[region] : UInt128.MaxValue;
                BinaryPrimitives.WriteUInt128LittleEndian(buffer[at..], hash);
                at += 16;
                pair++;
            }
            key = Hash(buffer[..at]);
            blocks.Add((key, end));
        }
        return blocks;
    }

    /// <summary>128 bits of SHA-256: a collision would serve another prompt's keys and values.</summary>
    public static UInt128 Hash(ReadOnlySpan<byte> bytes)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(bytes, digest);
        return BinaryPrimitives.ReadUInt128LittleEndian(digest);
    }
}
