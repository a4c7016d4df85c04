namespace Osprey.Engine.Prompting;

/// <summary>One exchange of a chat; <see cref="Assistant"/> is null for the turn being asked.</summary>
public sealed record ConversationTurn(string User, string? Assistant = null);
