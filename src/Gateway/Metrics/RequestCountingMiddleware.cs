namespace OspreyCluster.Gateway.Metrics;

/// <summary>Counts every request once it has its final status, labelled by route template (not raw path) to keep cardinality bounded.</summary>
public sealed class RequestCountingMiddleware(RequestDelegate next, GatewayRequestInstruments instruments)
{
    public async Task InvokeAsync(HttpContext context)
    {
        instruments.InFlight.Add(1);
        try
        {
            await next(context);
        }
        finally
        {
            instruments.InFlight.Add(-1);
            var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
            instruments.Requests.Add(1,
                new KeyValuePair<string, object?>("method", context.Request.Method),
                new KeyValuePair<string, object?>("route", route),
                new KeyValuePair<string, object?>("status", context.Response.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
    }
}
