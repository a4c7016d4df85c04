namespace Osprey.Engine.Imaging;

/// <summary>Why an encoded image was refused.</summary>
public enum ImageDecodeFailure
{
    /// <summary>The bytes are not in any recognised image format.</summary>
    NotAnImage,
    /// <summary>The file is cut short or its data is damaged.</summary>
    TruncatedOrCorrupt,
    /// <summary>The file or its pixel count exceeds the configured limits.</summary>
    TooLarge,
    /// <summary>A recognised format, but a variant this decoder does not handle.</summary>
    Unsupported,
}

/// <summary>An image could not be decoded; <see cref="Reason"/> tells the caller what to fix.</summary>
public sealed class ImageDecodeException : Exception
{
    public ImageDecodeFailure Reason { get; }

    public ImageDecodeException(ImageDecodeFailure reason, string message, Exception? inner = null)
        : base(message, inner) => Reason = reason;
}
