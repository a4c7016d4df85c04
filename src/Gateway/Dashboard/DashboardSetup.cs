using Orleans.Dashboard;
using OspreyCluster.Gateway.Security;

namespace OspreyCluster.Gateway.Dashboard;

/// <summary>
/// The Orleans dashboard (grains, silos, calls) at /dashboard. Its grains run on every silo
/// (<see cref="OspreyCluster.Grains.Hosting.OspreyHost"/> adds them); the gateway serves the page and its API.
/// </summary>
public static class DashboardSetup
{
    public const string Path = "/dashboard";

    /// <remarks>Needs a key when keys are configured, unless <c>Osprey:OpenMetrics</c> (the rule of /metrics).</remarks>
    public static void MapDashboard(this WebApplication app, ApiKeyRing keys, bool open)
    {
        // The dashboard's own JSON routes are its page's business, not the gateway's API document.
        var dashboard = app.MapOrleansDashboard(routePrefix: Path).ExcludeFromDescription();
        if (!open) dashboard.RequireApiKey(keys);
    }
}
