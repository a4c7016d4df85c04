namespace Osprey.Engine.Generation;

/// <summary>
/// Result of feeding one text piece to a <see cref="StopStringMatcher"/>: <see cref="Text"/> is
/// safe to emit; <see cref="StopString"/> is set when generation must end (it is never in Text).
/// </summary>
public readonly record struct StopStringMatch(string Text, string? StopString)
{
    public bool Stopped => StopString is not null;
}
