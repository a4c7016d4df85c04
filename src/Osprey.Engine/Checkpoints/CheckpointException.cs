namespace Osprey.Engine.Checkpoints;

/// <summary>A checkpoint that cannot be inspected, read or loaded; <see cref="Error"/> says why.</summary>
public sealed class CheckpointException : Exception
{
    public CheckpointError Error { get; }

    public CheckpointException(CheckpointError error, string message, Exception? inner = null)
        : base(message, inner)
    {
        Error = error;
    }
}
