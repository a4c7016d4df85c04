namespace OspreyCluster.Grains.Interfaces;

/// <summary>
/// A request the cluster refuses for a reason the caller can fix (bad image, bad mask, unknown id,
/// prompt too long), or cannot take now (503: the engine's queue is full; 504: the turn ran past its
/// deadline). It crosses silos and the gateway intact, where it becomes that HTTP status.
/// </summary>
[GenerateSerializer]
public sealed class OspreyRequestException : Exception
{
    [Id(0)] public int StatusCode { get; }
    [Id(1)] public string Reason { get; }
    /// <summary>When asking again makes sense, after how many seconds (the HTTP Retry-After).</summary>
    [Id(2)] public int? RetryAfterSeconds { get; }

    public OspreyRequestException(int statusCode, string reason, int? retryAfterSeconds = null) : base(reason)
    {
        StatusCode = statusCode;
        Reason = reason;
        RetryAfterSeconds = retryAfterSeconds;
    }
}
