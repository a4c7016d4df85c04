namespace Osprey.Engine.Language;

/// <summary>Raised when a sequence would run past the model's maximum position.</summary>
public sealed class ContextLengthExceededException : ArgumentException
{
    public int RequestedLength { get; }
    public int MaxLength { get; }

    public ContextLengthExceededException(int requestedLength, int maxLength)
        : base($"the sequence would reach {requestedLength} positions, more than the model's context length of {maxLength}")
    {
        RequestedLength = requestedLength;
        MaxLength = maxLength;
    }
}
