using System.Text;

namespace Osprey.Engine.Tokenization;

/// <summary>
/// Turns generated ids into text as they arrive. Each <see cref="Push"/> returns only text that is
/// final: an unfinished byte-fallback character is held until its last byte (or its end) arrives,
/// so no broken UTF-8 is ever emitted. All pushed pieces plus <see cref="Flush"/> concatenate to
/// exactly <see cref="OspreyTokenizer.Decode"/> of all ids.
/// </summary>
public sealed class StreamingDetokenizer
{
    private readonly OspreyTokenizer _tokenizer;
    private readonly List<byte> _pendingBytes = new(4);
    private bool _anyTextWritten;
    private bool _prefixSpaceDropped;

    public StreamingDetokenizer(OspreyTokenizer tokenizer)
    {
        _tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
    }

    /// <summary>Feeds one id; returns the text it completes (possibly empty).</summary>
    public string Push(int id)
    {
        var kind = _tokenizer.KindOf(id);
        if (kind == PieceTable.Kind.Skipped) return string.Empty;

        var text = new StringBuilder();
        if (kind == PieceTable.Kind.Byte)
        {
            _pendingBytes.Add(_tokenizer.Pieces.ByteOf(id));
            ReleaseBytes(text, runComplete: false);
            return Written(text);
        }

        ReleaseBytes(text, runComplete: true);
        var piece = _tokenizer.Pieces.TextOf(id);
        var atStart = !_prefixSpaceDropped && !_anyTextWritten && text.Length == 0;
        _prefixSpaceDropped = true;
        if (atStart && piece.StartsWith(' ')) piece = piece[1..];
        text.Append(piece);
        return Written(text);
    }

    /// <summary>Ends the stream: held bytes that never completed a character become U+FFFD.</summary>
    public string Flush()
    {
        var text = new StringBuilder();
        ReleaseBytes(text, runComplete: true);
        return Written(text);
    }

    private void ReleaseBytes(StringBuilder text, bool runComplete)
    {
        var pending = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_pendingBytes);
        var offset = 0;
        while (offset < pending.Length)
        {
            var step = ByteFallbackUtf8.Next(pending[offset..], runComplete, out var length);
            if (step == ByteFallbackUtf8.Step.Incomplete) break;
            ByteFallbackUtf8.AppendStep(text, pending.Slice(offset, length), step);
            offset += length;
        }
        _pendingBytes.RemoveRange(0, offset);
    }

    private string Written(StringBuilder text)
    {
        if (text.Length > 0) _anyTextWritten = true;
        return text.ToString();
    }
}
