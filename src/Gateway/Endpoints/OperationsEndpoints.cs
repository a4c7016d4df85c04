using Microsoft.Extensions.Options;
using OspreyCluster.Gateway.Hosting;
using OspreyCluster.Grains.Hosting;
using OspreyCluster.Grains.Interfaces;

namespace OspreyCluster.Gateway.Endpoints;

/// <summary>/healthz (/metrics: <see cref="Metrics.MetricsSetup"/>; /dashboard: <see cref="Dashboard.DashboardSetup"/>).</summary>
public static class OperationsEndpoints
{
    public sealed record Health(string Status, string Mode, int Silos);

    /// <remarks>Open for load balancers, even when keys are configured.</remarks>
    public static void MapOperationsEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", Healthz)
            .WithTags("Operations")
            .WithSummary("Healthy when at least one silo is active in the cluster")
            .ProducesProblem(503);
    }

    private static async Task<IResult> Healthz(IGrainFactory grains, OspreyHostPlan plan, IOptions<GatewayOptions> options, CancellationToken cancellationToken)
    {
        var mode = plan.IsEmbedded ? "embedded" : "distributed";
        try
        {
            var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)
                .WaitAsync(options.Value.HealthTimeout, cancellationToken);
            if (hosts.Count > 0)
                return TypedResults.Ok(new Health("healthy", mode, hosts.Count));
            return TypedResults.Problem(detail: "no active silo in the cluster", statusCode: 503,
                extensions: new Dictionary<string, object?> { ["reason"] = "no active silo in the cluster" });
        }
        catch (Exception failure) when (failure is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var reason = $"the cluster did not answer: {failure.Message}";
            return TypedResults.Problem(detail: reason, statusCode: 503, extensions: new Dictionary<string, object?> { ["reason"] = reason });
        }
    }
}
