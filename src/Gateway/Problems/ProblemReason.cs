using Microsoft.AspNetCore.WebUtilities;

namespace OspreyCluster.Gateway.Problems;

/// <summary>Gives every problem (also those from routing and status-code pages) a "reason".</summary>
public static class ProblemReason
{
    public static void Ensure(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        if (string.IsNullOrEmpty(problem.Detail))
        {
            var request = context.HttpContext.Request;
            problem.Detail = problem.Status switch
            {
                404 => $"no resource at {request.Method} {request.Path}",
                405 => $"{request.Method} is not allowed on {request.Path}",
                415 => $"Content-Type '{request.ContentType ?? "none"}' is not accepted by {request.Method} {request.Path}",
                { } status => $"{ReasonPhrases.GetReasonPhrase(status)} ({request.Method} {request.Path})",
                null => "the request failed",
            };
        }
        problem.Extensions.TryAdd("reason", problem.Detail);
    }
}
