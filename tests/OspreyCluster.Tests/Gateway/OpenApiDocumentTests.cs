using System.Net;
using System.Text.Json;
using static OspreyCluster.Tests.Gateway.GatewayRequests;

namespace OspreyCluster.Tests.Gateway;

/// <summary>
/// The served OpenAPI document names the failures a client must handle on every /v1 operation: 401, 429
/// and 503 (both with their Retry-After header), 404 wherever a resource may be missing, 504 wherever a
/// turn runs on the model; the OpenAI-compatible routes in OpenAI's error shape.
/// </summary>
[Collection(EmbeddedGatewayCollection.Name)]
public sealed class OpenApiDocumentTests(EmbeddedGateway gateway)
{
    /// <summary>The operations that take a resource that may not exist, or refer to one (an image, a model).</summary>
    private static readonly string[] MayBeMissing =
    [
        "get /v1/images/{id}", "post /v1/images/{id}/describe", "post /v1/conversations", "get /v1/conversations/{id}",
        "delete /v1/conversations/{id}", "post /v1/conversations/{id}/messages", "post /v1/chat/completions",
    ];

    private static readonly string[] RunTurns = ["post /v1/images/{id}/describe", "post /v1/conversations/{id}/messages", "post /v1/chat/completions"];

    [Fact]
    public async Task Every_v1_operation_documents_its_failures()
    {
        using var response = await gateway.Http.GetAsync("/openapi/v1.json");
        var document = await ExpectJsonAsync(response, HttpStatusCode.OK);
        var operations = document.GetProperty("paths").EnumerateObject()
            .Where(path => path.Name.StartsWith("/v1/", StringComparison.Ordinal))
            .SelectMany(path => path.Value.EnumerateObject().Select(op => (Name: $"{op.Name} {path.Name}", Responses: op.Value.GetProperty("responses"))))
            .ToDictionary(op => op.Name, op => op.Responses);
        // Every route the gateway maps under /v1 is in the document.
        Assert.Superset(new HashSet<string>([.. MayBeMissing, .. RunTurns, "post /v1/images", "get /v1/models"]), operations.Keys.ToHashSet());

        foreach (var (operation, responses) in operations)
        {
            var errorType = operation.Contains("/v1/chat/") || operation.EndsWith("/v1/models") ? "application/json" : "application/problem+json";
            var expected = new List<string> { "401", "429", "503" };
            if (MayBeMissing.Contains(operation)) expected.Add("404");
            if (RunTurns.Contains(operation)) expected.Add("504");
            foreach (var status in expected)
            {
                Assert.True(responses.TryGetProperty(status, out var declared), $"{operation} does not document {status}");
                Assert.True(declared.GetProperty("content").TryGetProperty(errorType, out _), $"{operation} documents {status} without a {errorType} body");
            }
            foreach (var status in new[] { "429", "503" })
            {
                var header = responses.GetProperty(status).GetProperty("headers").GetProperty("Retry-After");
                Assert.Equal("integer", header.GetProperty("schema").GetProperty("type").GetString());
            }
        }
    }
}
