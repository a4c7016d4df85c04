namespace Osprey.Engine.Prompting;

/// <summary>User text the prompt cannot take: empty, a control token, or a mention of a region that does not exist.</summary>
public sealed class InvalidUserTextException(string message) : ArgumentException(message);
