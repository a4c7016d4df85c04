using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using OspreyCluster.Grains.Hosting;

namespace OspreyCluster.Tests;

/// <summary>A fact that is skipped, with the reason, when Debian's docker-compose is not on PATH.</summary>
public sealed class RequiresDockerComposeFactAttribute : FactAttribute
{
    public RequiresDockerComposeFactAttribute()
    {
        if (!(Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
                .Any(dir => File.Exists(Path.Combine(dir, "docker-compose"))))
            Skip = "docker-compose is not installed (.ci/run installs Debian's docker-compose package)";
    }
}

/// <summary>
/// docker-compose.yml as `docker-compose config` resolves it (no Docker daemon needed): the services,
/// and the environment each gets, read back through the hosts' one options type.
/// </summary>
public sealed class DockerComposeTests
{
    [RequiresDockerComposeFact]
    public async Task Config_resolves_redis_two_silos_and_a_gateway_on_one_redis_key_and_one_cluster()
    {
        var config = ComposeYaml.Parse(await ComposeConfigAsync());
        Assert.Equal(["gateway", "redis", "silo1", "silo2"], config.Children("services").Order().ToArray());
        Assert.DoesNotContain(config.Values.Keys, key => key.Contains("RedisConnectionString"));

        var gateway = Options(config, "gateway");
        Assert.Equal("redis:6379", gateway.Redis);
        Assert.Equal("http://0.0.0.0:8080", config.Values["services.gateway.environment.ASPNETCORE_URLS"]);
        Assert.Equal("service_healthy", config.Values["services.gateway.depends_on.redis.condition"]);

        var addresses = new HashSet<string>();
        foreach (var name in new[] { "silo1", "silo2" })
        {
            var silo = Options(config, name);
            Assert.Equal(gateway.Redis, silo.Redis);
            Assert.Equal((gateway.Orleans.ClusterId, gateway.Orleans.ServiceId), (silo.Orleans.ClusterId, silo.Orleans.ServiceId));
            // Each silo advertises the fixed address the compose network gives it.
            Assert.Equal(config.Values[$"services.{name}.networks.cluster.ipv4_address"], silo.Orleans.AdvertisedIP);
            Assert.True(addresses.Add(silo.Orleans.AdvertisedIP));
            Assert.Equal("/model", silo.ModelDirectory);
            Assert.Equal(9464, silo.MetricsPort);
            Assert.Equal("service_healthy", config.Values[$"services.{name}.depends_on.redis.condition"]);
        }
        Assert.Equal("redis-data:/data:rw", Assert.Single(config.Lists["services.redis.volumes"]));
        Assert.EndsWith("models/osprey-default:/model:ro", Assert.Single(config.Lists["services.silo1.volumes"]));
    }

    /// <summary>A service's environment bound as the host binds it (Section__Key is Section:Key).</summary>
    private static OspreyClusterOptions Options(ComposeYaml config, string service)
    {
        var prefix = $"services.{service}.environment.";
        var settings = config.Values.Where(v => v.Key.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(v => v.Key[prefix.Length..].Replace("__", ":"), v => (string?)v.Value);
        return OspreyClusterOptions.From(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
    }

    private static async Task<string> ComposeConfigAsync()
    {
        var start = new ProcessStartInfo("docker-compose", ["--file", Path.Combine(RepositoryPaths.Root, "docker-compose.yml"), "config"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // The documented defaults, not whatever the machine running the tests has set.
        start.Environment.Remove("OSPREY_MODEL_DIR");
        start.Environment.Remove("OSPREY_DEVICE");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"docker-compose config failed ({process.ExitCode}): {await stderr}");
        return await stdout;
    }
}
