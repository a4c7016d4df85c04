using Microsoft.Win32.SafeHandles;

namespace Osprey.Engine.Checkpoints;

/// <summary>
/// A read-only stream over one byte range of a file, read with positional reads so several ranges of
/// the same handle can be open at once (the input of a deflated zip entry).
/// </summary>
internal sealed class FileRangeStream(SafeFileHandle handle, long start, long length) : Stream
{
    private long _position;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => length;
    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var remaining = length - _position;
        if (remaining <= 0 || buffer.Length == 0) return 0;
        if (buffer.Length > remaining) buffer = buffer[..(int)remaining];
        var n = RandomAccess.Read(handle, buffer, start + _position);
        if (n <= 0) throw new EndOfStreamException($"file ends inside a zip entry at offset {start + _position} (truncated?)");
        _position += n;
        return n;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
