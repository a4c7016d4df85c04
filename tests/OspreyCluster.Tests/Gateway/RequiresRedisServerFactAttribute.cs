namespace OspreyCluster.Tests.Gateway;

/// <summary>A fact that is skipped, with the reason, when redis-server or curl is not on PATH.</summary>
public sealed class RequiresRedisServerFactAttribute : FactAttribute
{
    public RequiresRedisServerFactAttribute()
    {
        foreach (var tool in new[] { "redis-server", "redis-cli", "curl" })
            if (!OnPath(tool))
            {
                Skip = $"{tool} is not installed; scripts/local-cluster.sh needs it (.ci/run installs redis-server)";
                return;
            }
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, tool)));
}
