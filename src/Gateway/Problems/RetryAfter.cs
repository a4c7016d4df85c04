using System.Globalization;
using OspreyCluster.Grains.Interfaces;

namespace OspreyCluster.Gateway.Problems;

/// <summary>
/// The <c>Retry-After</c> of a failed request: the cluster's own when it gave one (a silo's full engine
/// queue), else a second for any other 503 (a call the cluster could not deliver).
/// </summary>
public static class RetryAfter
{
    public static void Apply(HttpResponse response, Exception failure, int status)
    {
        var seconds = failure is OspreyRequestException { RetryAfterSeconds: { } given } ? given : status == 503 ? 1 : (int?)null;
        if (seconds is { } wait) response.Headers.RetryAfter = wait.ToString(CultureInfo.InvariantCulture);
    }
}
