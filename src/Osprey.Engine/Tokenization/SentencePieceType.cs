namespace Osprey.Engine.Tokenization;

/// <summary>SentencePiece's piece types; llama.cpp's token types use the same numbers.</summary>
public enum SentencePieceType
{
    Normal = 1,
    Unknown = 2,
    Control = 3,
    UserDefined = 4,
    Unused = 5,
    Byte = 6,
}
