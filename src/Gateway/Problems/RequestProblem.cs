using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;

namespace OspreyCluster.Gateway.Problems;

/// <summary>The problem-details body every error shares: status, title, and the reason as detail and as "reason".</summary>
public static class RequestProblem
{
    public static ProblemDetails Create(int status, string reason) => new()
    {
        Status = status,
        Title = ReasonPhrases.GetReasonPhrase(status),
        Detail = reason,
        Extensions = { ["reason"] = reason },
    };
}
