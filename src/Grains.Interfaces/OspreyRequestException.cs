namespace OspreyCluster.Grains.Interfaces;

/// <summary>
/// A request the cluster refuses for a reason the caller can fix (bad image, bad mask, unknown id,
/// prompt too long). It crosses silos and the gateway intact, where it becomes an HTTP 4xx.
/// </summary>
[GenerateSerializer]
public sealed class OspreyRequestException : Exception
{
    [Id(0)] public int StatusCode { get; }
    [Id(1)] public string Reason { get; }

    public OspreyRequestException(int statusCode, string reason) : base(reason)
    {
        StatusCode = statusCode;
        Reason = reason;
    }
}
