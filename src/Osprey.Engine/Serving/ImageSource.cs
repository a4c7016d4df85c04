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

    private Func<RgbImage>? Load { get; init; }

    /// <summary>
    /// Where a silo holding a replica of the image gets its features instead of encoding them: the image's
    /// home silo, answering the bytes <see cref="Multimodal.ImageFeatureBytes"/> writes. Null: encode. A copy
    /// that fails (its home is gone) falls back to an encode.
    /// </summary>
    public Func<CancellationToken, Task<byte[]>>? FeatureCopy { get; init; }

    public static ImageSource FromPixels(string id, RgbImage pixels) => new(id, ReadOnlyMemory<byte>.Empty) { Pixels = pixels };

    /// <summary>
    /// Pixels fetched only when the engine encodes the image, on its encoder thread (a slow store, a file):
    /// what <paramref name="load"/> throws fails the sequences that need the image.
    /// </summary>
    public static ImageSource Loading(string id, Func<RgbImage> load) => new(id, ReadOnlyMemory<byte>.Empty) { Load = load };

    /// <summary>The pixels, decoding the bytes (or loading them) when needed. Encoder thread only.</summary>
    public RgbImage Decode() => Pixels ?? Load?.Invoke() ?? new ImageDecoder().Decode(Bytes.Span, Id);
}
