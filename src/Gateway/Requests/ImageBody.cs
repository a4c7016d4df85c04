using Microsoft.Net.Http.Headers;
using OspreyCluster.Grains.Interfaces;

namespace OspreyCluster.Gateway.Requests;

/// <summary>Reads an uploaded image body: an <c>image/*</c> content type and a non-empty body within the limit.</summary>
public static class ImageBody
{
    public static async Task<byte[]> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) ||
            !type.MediaType.StartsWith("image/", StringComparison.OrdinalIgnoreCase))
            throw new OspreyRequestException(415, $"the body must be image bytes with Content-Type image/* (got '{request.ContentType ?? "none"}')");

        // Kestrel stops the read with a 413 once the endpoint's limit is passed (RequestBodyLimitMiddleware).
        using var buffer = request.ContentLength is { } length and <= int.MaxValue ? new MemoryStream((int)length) : new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        if (buffer.Length == 0)
            throw new OspreyRequestException(400, "the body is empty; send the image bytes");
        return buffer.ToArray();
    }
}
