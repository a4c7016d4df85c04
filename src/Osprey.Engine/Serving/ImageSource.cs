using Osprey.Engine.Imaging;

namespace Osprey.Engine.Serving;

/// <summary>
/// An image by id together with its encoded bytes, so the engine can (re)compute its features
/// whenever they are not resident. In-process callers that already hold the decoded pixels (training
/// and evaluation scenes) pass those instead, skipping an encode and decode that would give the same pixels.
/// </summary>
public sealed record ImageSource(string Id, ReadOnlyMemory<byte> Bytes)
{
    public RgbImage? Pixels { get; private init; }

    public static ImageSource FromPixels(string id, RgbImage pixels) => new(id, ReadOnlyMemory<byte>.Empty) { Pixels = pixels };

    /// <summary>The pixels, decoding the bytes when needed.</summary>
    public RgbImage Decode() => Pixels ?? new ImageDecoder().Decode(Bytes.Span, Id);
}
