using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using OspreyCluster.Gateway.Hosting;

namespace OspreyCluster.Gateway.Requests;

/// <summary>Endpoint metadata naming which configured body limit applies.</summary>
public sealed record RequestBodyLimit(Func<GatewayOptions, long> Select)
{
    public static readonly RequestBodyLimit Image = new(o => o.MaxImageBytes);
    public static readonly RequestBodyLimit Json = new(o => o.MaxJsonBytes);

    /// <summary>An image inline as base64 (4 bytes per 3) beside the messages and regions.</summary>
    public static readonly RequestBodyLimit ChatCompletion = new(o => o.MaxImageBytes / 3 * 4 + 4 + o.MaxJsonBytes);
}

/// <summary>
/// Narrows Kestrel's body limit to the endpoint's own; Kestrel then rejects larger bodies with 413
/// (both declared Content-Length and chunked bodies that grow too long).
/// </summary>
public sealed class RequestBodyLimitMiddleware(RequestDelegate next, IOptions<GatewayOptions> options)
{
    public Task InvokeAsync(HttpContext context)
    {
        var limit = context.GetEndpoint()?.Metadata.GetMetadata<RequestBodyLimit>();
        var feature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (limit is not null && feature is { IsReadOnly: false })
            feature.MaxRequestBodySize = limit.Select(options.Value);
        return next(context);
    }
}

public static class RequestBodyLimitExtensions
{
    public static TBuilder WithBodyLimit<TBuilder>(this TBuilder builder, RequestBodyLimit limit)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(limit);
}
