using System.Globalization;

namespace Osprey.Engine.Tokenization;

/// <summary>How each vocabulary id contributes to decoded text.</summary>
internal sealed class PieceTable
{
    internal enum Kind : byte
    {
        /// <summary>Contributes nothing (BOS, EOS, unknown, added tokens such as &lt;mask&gt;).</summary>
        Skipped,
        /// <summary>A byte-fallback piece <c>&lt;0xNN&gt;</c>.</summary>
        Byte,
        /// <summary>Ordinary text; "▁" already turned into a space.</summary>
        Text,
    }

    private const char SpaceSymbol = '\u2581';

    private readonly Kind[] _kinds;
    private readonly string[] _texts;
    private readonly byte[] _bytes;

    public PieceTable(IReadOnlyList<string> pieces, IEnumerable<int> skippedIds)
    {
        _kinds = new Kind[pieces.Count];
        _texts = new string[pieces.Count];
        _bytes = new byte[pieces.Count];
        for (var id = 0; id < pieces.Count; id++)
        {
            var piece = pieces[id];
            if (TryParseByte(piece, out var value))
            {
                _kinds[id] = Kind.Byte;
                _bytes[id] = value;
            }
            else
            {
                _kinds[id] = Kind.Text;
                _texts[id] = piece.Replace(SpaceSymbol, ' ');
            }
        }
        foreach (var id in skippedIds)
        {
            if (id >= 0 && id < _kinds.Length) _kinds[id] = Kind.Skipped;
        }
    }

    public int Count => _kinds.Length;

    public Kind KindOf(int id) => _kinds[id];

    public byte ByteOf(int id) => _bytes[id];

    public string TextOf(int id) => _texts[id];

    private static bool TryParseByte(string piece, out byte value)
    {
        value = 0;
        return piece.Length == 6 && piece.StartsWith("<0x", StringComparison.Ordinal) && piece[5] == '>'
            && byte.TryParse(piece.AsSpan(3, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out value);
    }
}
