namespace OspreyCluster.Gateway.Metrics;

/// <summary>Counts every request once it has its final status, labelled by route template (not raw path) to keep cardinality bounded.</summary>
public sealed class RequestCountingMiddleware(RequestDelegate next, GatewayRequestCounters counters)
{
    public async Task InvokeAsync(HttpContext context)
    {
        counters.Started();
        try
        {
            await next(context);
        }
        finally
        {
            counters.Finished();
            var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
            counters.Record(context.Request.Method, route, context.Response.StatusCode);
        }
    }
}
