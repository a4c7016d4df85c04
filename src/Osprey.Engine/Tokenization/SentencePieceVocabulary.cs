using System.Text;

namespace Osprey.Engine.Tokenization;

/// <summary>
/// The pieces of a SentencePiece <c>tokenizer.model</c> with their scores and types, read straight
/// from its protobuf (ModelProto field 1, each SentencePiece's piece = 1, score = 2, type = 3): what a
/// llama.cpp vocabulary needs and the tokenizer library does not expose.
/// </summary>
public sealed record SentencePieceVocabulary(IReadOnlyList<string> Pieces, IReadOnlyList<float> Scores, IReadOnlyList<SentencePieceType> Types)
{
    public int Count => Pieces.Count;

    /// <exception cref="TokenizerLoadException">The file is missing or is not a SentencePiece model.</exception>
    public static SentencePieceVocabulary Read(string modelPath)
    {
        if (!File.Exists(modelPath)) throw new TokenizerLoadException(modelPath, "file not found");
        var bytes = File.ReadAllBytes(modelPath);
        List<string> pieces = [];
        List<float> scores = [];
        List<SentencePieceType> types = [];
        try
        {
            var reader = new ProtobufReader(bytes, 0, bytes.Length);
            while (reader.Next(out var field, out var wire))
            {
                if (field == 1 && wire == 2)
                {
                    var (start, length) = reader.LengthDelimited();
                    var (piece, score, type) = ReadPiece(new ProtobufReader(bytes, start, start + length));
                    pieces.Add(piece);
                    scores.Add(score);
                    types.Add(type);
                }
                else reader.Skip(wire);
            }
        }
        catch (Exception e) when (e is IndexOutOfRangeException or ArgumentException or InvalidDataException)
        {
            throw new TokenizerLoadException(modelPath, $"not a SentencePiece model: {e.Message}");
        }
        if (pieces.Count == 0) throw new TokenizerLoadException(modelPath, "no pieces");
        return new SentencePieceVocabulary(pieces, scores, types);
    }

    private static (string Piece, float Score, SentencePieceType Type) ReadPiece(ProtobufReader reader)
    {
        var piece = "";
        var score = 0f;
        var type = SentencePieceType.Normal; // the protobuf default
        while (reader.Next(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (1, 2):
                    var (start, length) = reader.LengthDelimited();
                    piece = Encoding.UTF8.GetString(reader.Buffer, start, length);
                    break;
                case (2, 5): score = reader.Fixed32(); break;
                case (3, 0): type = (SentencePieceType)reader.Varint(); break;
                default: reader.Skip(wire); break;
            }
        }
        return (piece, score, type);
    }

    /// <summary>Just enough of the protobuf wire format to walk a message's fields.</summary>
    private sealed class ProtobufReader(byte[] buffer, int position, int end)
    {
        public byte[] Buffer => buffer;

        public bool Next(out int field, out int wire)
        {
            field = wire = 0;
            if (position >= end) return false;
            var key = Varint();
            (field, wire) = ((int)(key >> 3), (int)(key & 7));
            return true;
        }

        public ulong Varint()
        {
            ulong value = 0;
            for (var shift = 0; ; shift += 7)
            {
                if (shift > 63) throw new InvalidDataException("varint too long");
                var b = buffer[position++];
                value |= (ulong)(b & 0x7f) << shift;
                if (b < 0x80) return value;
            }
        }

        public float Fixed32()
        {
            var value = BitConverter.ToSingle(buffer, position);
            position += 4;
            return value;
        }

        public (int Start, int Length) LengthDelimited()
        {
            var length = checked((int)Varint());
            var start = position;
            if (start + length > end) throw new InvalidDataException("field runs past its message");
            position += length;
            return (start, length);
        }

        public void Skip(int wire)
        {
            switch (wire)
            {
                case 0: Varint(); break;
                case 1: position += 8; break;
                case 2: LengthDelimited(); break;
                case 5: position += 4; break;
                default: throw new InvalidDataException($"unsupported wire type {wire}");
            }
        }
    }
}
