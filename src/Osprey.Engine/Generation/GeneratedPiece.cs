namespace Osprey.Engine.Generation;

/// <summary>
/// One step of a streamed answer: the sampled token (null for the final flush) and the text it
/// completed, which may be empty while a multi-byte character or a possible stop string is pending.
/// </summary>
public readonly record struct GeneratedPiece(int? TokenId, string Text);
