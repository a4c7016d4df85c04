using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace Osprey.Engine.Checkpoints;

/// <summary>
/// A pickle reader for the opcodes <c>torch.save</c> (and PyBridge's writer) put into <c>data.pkl</c>,
/// protocols 2 to 4. It never imports or calls anything: globals, calls and persistent ids come back
/// as <see cref="PickleGlobal"/>, <see cref="PickleCall"/> and <see cref="PicklePersistentId"/> for
/// the caller to interpret, so reading a state dict's metadata touches no tensor data.
/// </summary>
internal sealed class PickleReader
{
    private static readonly object Mark = new();
    private readonly byte[] _data;
    private int _at;
    private readonly List<object?> _stack = [];
    private readonly Dictionary<long, object?> _memo = [];

    private PickleReader(byte[] data) { _data = data; }

    /// <exception cref="InvalidDataException">Malformed or unsupported pickle.</exception>
    public static object? Read(byte[] data) => new PickleReader(data).Run();

    private object? Run()
    {
        while (true)
        {
            var op = Byte();
            switch (op)
            {
                case 0x80: Byte(); break; // PROTO
                case 0x95: Bytes(8); break; // FRAME: a size hint only
                case (byte)'.': // STOP
                    if (_stack.Count != 1) throw Bad($"stack holds {_stack.Count} values at STOP");
                    return _stack[0];
                case (byte)'(': Push(Mark); break;
                case (byte)'}': Push(new PickleDict()); break;
                case (byte)']': Push(new List<object?>()); break;
                case (byte)')': Push(Array.Empty<object?>()); break;
                case (byte)'t': Push(PopToMark().ToArray()); break;
                case 0x85: Push(new[] { Pop() }); break;
                case 0x86: { var b = Pop(); var a = Pop(); Push(new[] { a, b }); break; }
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); Push(new[] { a, b, c }); break; }
                case (byte)'l': Push(PopToMark()); break;
                case (byte)'d': { var d = new PickleDict(); AddItems(d, PopToMark()); Push(d); break; }
                case (byte)'a': { var v = Pop(); AsList(Peek()).Add(v); break; }
                case (byte)'e': { var items = PopToMark(); AsList(Peek()).AddRange(items); break; }
                case (byte)'s': { var v = Pop(); var k = Pop(); AddItems(Peek(), [k, v]); break; }
                case (byte)'u': { var items = PopToMark(); AddItems(Peek(), items); break; }
                case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(Bytes(4))); break; // BININT
                case (byte)'K': Push((long)Byte()); break; // BININT1
                case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Bytes(2))); break; // BININT2
                case 0x8a: Push(Long(Bytes(Byte()))); break; // LONG1
                case 0x8b: Push(Long(Bytes(Length(4)))); break; // LONG4
                case (byte)'I': Push(ParseInt(Line())); break; // INT (protocol 0)
                case (byte)'L': Push(ParseInt(Line().TrimEnd('L'))); break; // LONG (protocol 0)
                case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(Bytes(8))); break; // BINFLOAT
                case (byte)'N': Push(null); break;
                case 0x88: Push(true); break;
                case 0x89: Push(false); break;
                case (byte)'X': Push(Encoding.UTF8.GetString(Bytes(Length(4)))); break; // BINUNICODE
                case 0x8c: Push(Encoding.UTF8.GetString(Bytes(Byte()))); break; // SHORT_BINUNICODE
                case 0x8d: Push(Encoding.UTF8.GetString(Bytes(Length(8)))); break; // BINUNICODE8
                case (byte)'T': Push(Encoding.Latin1.GetString(Bytes(Length(4)))); break; // BINSTRING
                case (byte)'U': Push(Encoding.Latin1.GetString(Bytes(Byte()))); break; // SHORT_BINSTRING
                case (byte)'B': Push(Bytes(Length(4)).ToArray()); break; // BINBYTES
                case (byte)'C': Push(Bytes(Byte()).ToArray()); break; // SHORT_BINBYTES
                case (byte)'c': { var module = Line(); var name = Line(); Push(new PickleGlobal(module, name)); break; } // GLOBAL
                case 0x93: { var name = Pop() as string; var module = Pop() as string; Push(new PickleGlobal(module ?? throw Bad("STACK_GLOBAL module"), name ?? throw Bad("STACK_GLOBAL name"))); break; }
                case (byte)'R': { var args = Pop(); var callable = Pop(); Push(Call(callable, args)); break; } // REDUCE
                case 0x81: { var args = Pop(); var cls = Pop(); Push(Call(cls, args)); break; } // NEWOBJ
                case (byte)'b': { var state = Pop(); SetState(Peek(), state); break; } // BUILD
                case (byte)'Q': Push(new PicklePersistentId(Pop())); break; // BINPERSID
                case (byte)'P': Push(new PicklePersistentId(Line())); break; // PERSID
                case (byte)'q': _memo[Byte()] = Peek(); break; // BINPUT
                case (byte)'r': _memo[BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4))] = Peek(); break; // LONG_BINPUT
                case (byte)'p': _memo[ParseInt(Line())] = Peek(); break; // PUT
                case 0x94: _memo[_memo.Count] = Peek(); break; // MEMOIZE
                case (byte)'h': Push(Get(Byte())); break; // BINGET
                case (byte)'j': Push(Get(BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4)))); break; // LONG_BINGET
                case (byte)'g': Push(Get(ParseInt(Line()))); break; // GET
                case (byte)'0': Pop(); break; // POP
                case (byte)'1': PopToMark(); break; // POP_MARK
                case (byte)'2': Push(Peek()); break; // DUP
                default: throw Bad($"unsupported pickle opcode 0x{op:x2} at byte {_at - 1}");
            }
        }
    }

    private static object Call(object? callable, object? args)
    {
        var global = callable as PickleGlobal ?? throw Bad($"call of a non-global {callable}");
        var arguments = args as object?[] ?? throw Bad($"call of {global} without an argument tuple");
        // An OrderedDict is a dict here: state dicts are OrderedDicts, and their items follow as SETITEMS.
        if (global is { Module: "collections", Name: "OrderedDict" } && arguments.Length == 0) return new PickleDict();
        return new PickleCall(global, arguments);
    }

    private static void SetState(object? target, object? state)
    {
        switch (target)
        {
            case PickleCall call: call.State = state; break;
            case PickleDict dict: dict.State = state; break;
            default: throw Bad($"BUILD on {target?.GetType().Name ?? "None"}");
        }
    }

    private static void AddItems(object? target, List<object?> items)
    {
        var dict = target as PickleDict ?? throw Bad($"SETITEM(S) on {target?.GetType().Name ?? "None"}");
        if (items.Count % 2 != 0) throw Bad("SETITEMS with an odd number of values");
        for (var i = 0; i < items.Count; i += 2) dict.Items.Add(new(items[i], items[i + 1]));
    }

    private static List<object?> AsList(object? target) => target as List<object?> ?? throw Bad($"APPEND(S) on {target?.GetType().Name ?? "None"}");

    private object? Get(long key) => _memo.TryGetValue(key, out var v) ? v : throw Bad($"memo key {key} was never stored");

    private void Push(object? value) => _stack.Add(value);

    private object? Peek() => _stack.Count > 0 && !ReferenceEquals(_stack[^1], Mark) ? _stack[^1] : throw Bad("stack underflow");

    private object? Pop()
    {
        var v = Peek();
        _stack.RemoveAt(_stack.Count - 1);
        return v;
    }

    private List<object?> PopToMark()
    {
        var mark = _stack.FindLastIndex(v => ReferenceEquals(v, Mark));
        if (mark < 0) throw Bad("no MARK on the stack");
        var items = _stack.GetRange(mark + 1, _stack.Count - mark - 1);
        _stack.RemoveRange(mark, _stack.Count - mark);
        return items;
    }

    private byte Byte() => _at < _data.Length ? _data[_at++] : throw Bad("pickle ends early");

    private ReadOnlySpan<byte> Bytes(int count)
    {
        if (count < 0 || _at + count > _data.Length) throw Bad("pickle ends early");
        var span = _data.AsSpan(_at, count);
        _at += count;
        return span;
    }

    private int Length(int width)
    {
        var raw = Bytes(width);
        var n = width == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(raw) : BinaryPrimitives.ReadUInt64LittleEndian(raw);
        return n <= int.MaxValue ? (int)n : throw Bad($"length {n} too large");
    }

    private string Line()
    {
        var end = Array.IndexOf(_data, (byte)'\n', _at);
        if (end < 0) throw Bad("pickle ends early");
        var s = Encoding.ASCII.GetString(_data, _at, end - _at);
        _at = end + 1;
        return s;
    }

    private static long Long(ReadOnlySpan<byte> littleEndianTwosComplement)
    {
        var v = new BigInteger(littleEndianTwosComplement, isUnsigned: false, isBigEndian: false);
        return v >= long.MinValue && v <= long.MaxValue ? (long)v : throw Bad($"integer {v} out of range");
    }

    private static long ParseInt(string s) => s switch
    {
        "00" => 0, // protocol 0 spells False / True as INT 00 / 01
        "01" => 1,
        _ => long.TryParse(s, out var v) ? v : throw Bad($"bad integer '{s}'"),
    };

    private static InvalidDataException Bad(string message) => new($"data.pkl: {message}");
}
