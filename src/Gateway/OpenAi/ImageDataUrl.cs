namespace OspreyCluster.Gateway.OpenAi;

/// <summary>
/// An image sent inline as a <c>data:</c> URL. The gateway fetches nothing from the network on a
/// client's behalf, so remote URLs are refused with a reason.
/// </summary>
public static class ImageDataUrl
{
    private static readonly string[] MediaTypes = ["image/png", "image/jpeg", "image/webp"];

    public static byte[] Decode(string? url, string param)
    {
        if (string.IsNullOrWhiteSpace(url)) throw Bad("the image_url has no url", param);
        if (url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            throw Bad("remote image URLs are not fetched; send the image inline as a data: URL (data:image/png;base64,…)", param, "unsupported_image_url");
        if (!url.StartsWith("data:", StringComparison.OrdinalIgnoreCase)) throw Bad("the image url must be a data: URL", param, "invalid_image_url");
        var comma = url.IndexOf(',');
        if (comma < 0) throw Bad("malformed data: URL (no comma before the data)", param, "invalid_image_url");
        var header = url[5..comma].Split(';');
        var mediaType = header[0].Trim().ToLowerInvariant();
        if (!MediaTypes.Contains(mediaType))
            throw Bad($"unsupported image type '{header[0]}'; send {string.Join(", ", MediaTypes)}", param, "unsupported_image_type");
        if (!header.Skip(1).Any(p => p.Trim().Equals("base64", StringComparison.OrdinalIgnoreCase)))
            throw Bad("the data: URL must be base64-encoded", param, "invalid_image_url");
        try
        {
            var bytes = Convert.FromBase64String(url[(comma + 1)..]);
            return bytes.Length > 0 ? bytes : throw Bad("the data: URL holds no bytes", param, "invalid_image_url");
        }
        catch (FormatException)
        {
            throw Bad("the data: URL's base64 is malformed", param, "invalid_image_url");
        }
    }

    private static OpenAiRequestException Bad(string message, string param, string? code = null) => new(400, message, param, code);
}
