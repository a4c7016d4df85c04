namespace Osprey.Engine.Tokenization;

/// <summary>The tokenizer files are missing, unreadable or not a LLaMA SentencePiece model.</summary>
public sealed class TokenizerLoadException : Exception
{
    public string Path { get; }

    public TokenizerLoadException(string path, string message, Exception? inner = null)
        : base($"cannot load tokenizer from '{path}': {message}", inner)
    {
        Path = path;
    }
}
