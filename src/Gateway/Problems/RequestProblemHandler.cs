using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using OspreyCluster.Grains.Interfaces;

namespace OspreyCluster.Gateway.Problems;

/// <summary>
/// Turns every failure into an RFC 7807 problem with a reason: refusals from the gateway or the cluster
/// (<see cref="OspreyRequestException"/>) keep their status, unreadable requests become 400/413/415,
/// a call the cluster could not deliver or answer (a silo or Redis is down) is a 503 to retry, anything else is a 500
/// that does not take the server down.
/// </summary>
public sealed class RequestProblemHandler(IProblemDetailsService problems, ILogger<RequestProblemHandler> log) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var (status, reason) = Classify(exception);
        if (status >= 500)
            log.LogError(exception, "request {Method} {Path} failed", context.Request.Method, context.Request.Path);
        if (context.Response.HasStarted)
            return true;
        context.Response.StatusCode = status;
        RetryAfter.Apply(context.Response, exception, status);
        var problem = RequestProblem.Create(status, reason);
        if (await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, Exception = exception, ProblemDetails = problem }))
            return true;
        // The writer declines when the Accept header names only other types (text/event-stream for a
        // streamed answer); the reason is what the client needs, so it is sent all the same.
        await context.Response.WriteAsJsonAsync(problem, (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json", cancellationToken);
        return true;
    }

    public static (int Status, string Reason) Classify(Exception exception) => exception switch
    {
        OspreyRequestException refusal => (refusal.StatusCode, refusal.Reason),
        BadHttpRequestException { InnerException: JsonException json } => (400, $"malformed JSON: {json.Message}"),
        BadHttpRequestException { StatusCode: 413 } => (413, exception.Message),
        BadHttpRequestException bad => (bad.StatusCode, bad.InnerException is { } inner ? $"{bad.Message} {inner.Message}" : bad.Message),
        JsonException json => (400, $"malformed JSON: {json.Message}"),
        _ when TransientClusterFailure.Is(exception) => (503, TransientClusterFailure.Reason),
        _ when ClusterUnavailable.Is(exception) => (503, ClusterUnavailable.Reason),
        _ => (500, "the server failed to handle this request; it keeps serving"),
    };
}
