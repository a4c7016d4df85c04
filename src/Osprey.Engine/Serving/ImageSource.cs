namespace Osprey.Engine.Serving;

/// <summary>
/// An image by id together with its encoded bytes, so the engine can (re)compute its features
/// whenever they are not resident.
/// </summary>
public sealed record ImageSource(string Id, ReadOnlyMemory<byte> Bytes);
