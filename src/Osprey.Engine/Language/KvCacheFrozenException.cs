namespace Osprey.Engine.Language;

/// <summary>
/// Raised when tokens are appended to a cache that has been forked: its content is now the shared
/// prefix of its forks, so it must never change again.
/// </summary>
public sealed class KvCacheFrozenException : InvalidOperationException
{
    public KvCacheFrozenException()
        : base("this KV cache has been forked and is frozen: append to one of its forks instead") { }
}
