namespace Osprey.Engine.Generation;

public static class FinishReason
{
    /// <summary>End of sequence or a stop string.</summary>
    public const string Stop = "stop";
    /// <summary>Max new tokens or the context window reached.</summary>
    public const string Length = "length";
}
