using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using OspreyCluster.Gateway.OpenAi;
using OspreyCluster.Gateway.Security;

namespace OspreyCluster.Gateway.Problems;

/// <summary>
/// Documents, on every /v1 operation, the failures they all can give beside their own: 401 (keys are
/// configured and none or a wrong one came), 429 with Retry-After (the rate limit or the concurrent-turn
/// cap), 503 with Retry-After (a silo, its engine queue or Redis unavailable) and, on the routes that run
/// the model, 504 (the turn deadline). The OpenAI-compatible routes give them in OpenAI's error shape,
/// the others as problem+json.
/// </summary>
public sealed class DocumentedFailures : IOpenApiOperationTransformer
{
    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var description = context.Description;
        if (description.RelativePath?.StartsWith("v1/", StringComparison.Ordinal) != true) return;
        var metadata = description.ActionDescriptor.EndpointMetadata;
        var openAi = metadata.OfType<ITagsMetadata>().Any(tags => tags.Tags.Contains(OpenAiEndpoints.Tag));
        var (mediaType, body) = openAi ? ("application/json", typeof(OpenAiError)) : ("application/problem+json", typeof(ProblemDetails));
        var schema = await context.GetOrCreateSchemaAsync(body, cancellationToken: cancellationToken);

        operation.Responses ??= [];
        Add(401, "No API key, or not one of the configured keys (only when keys are configured)", retry: false);
        Add(429, "Past the key's rate limit or its concurrent-turn cap; retry after Retry-After seconds", retry: true);
        Add(503, "A silo, its engine's queue or the cluster's storage is unavailable right now; retry after Retry-After seconds", retry: true);
        if (metadata.OfType<RunsTurns>().Any())
            Add(504, "The turn ran past its deadline and was cancelled; nothing of it was stored", retry: false);

        void Add(int status, string meaning, bool retry)
        {
            var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!operation.Responses.TryGetValue(key, out var declared) || declared is not OpenApiResponse response)
                operation.Responses[key] = response = new OpenApiResponse { Description = meaning };
            response.Content ??= new Dictionary<string, OpenApiMediaType>();
            if (response.Content.Count == 0) response.Content[mediaType] = new OpenApiMediaType { Schema = schema };
            if (!retry) return;
            response.Headers ??= new Dictionary<string, IOpenApiHeader>();
            response.Headers["Retry-After"] = new OpenApiHeader
            {
                Description = "Seconds to wait before sending the same request again",
                Required = true,
                Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "0" },
            };
        }
    }
}
