namespace Osprey.Engine.Regions;

/// <summary>Region input that cannot be parsed: a bad spec, a malformed RLE, an unreadable mask file.</summary>
public sealed class RegionFormatException(string message, Exception? inner = null) : RegionException(message, inner);
