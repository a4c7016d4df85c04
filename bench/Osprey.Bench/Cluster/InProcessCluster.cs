using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OspreyCluster.Gateway.Hosting;
using OspreyCluster.Grains.Hosting;
using OspreyCluster.Grains.Metrics;
using OspreyCluster.Grains.Placement;
using Orleans.Runtime;

namespace Osprey.Bench.Cluster;

/// <summary>
/// The product's hosts in this process: the gateway (<see cref="GatewayHost"/>, the embedded default,
/// so it hosts the first silo) on a loopback port, and further silos built as the silo program builds
/// them (<see cref="OspreyHost.AddOspreyCluster"/>) joining it by localhost clustering. Requests go
/// through the gateway's HTTP API to the real grains, placement directors and engines.
/// </summary>
public sealed class InProcessCluster : IAsyncDisposable
{
    private readonly WebApplication _gateway;
    private readonly List<IHost> _silos;

    private InProcessCluster(WebApplication gateway, List<IHost> silos, Uri address)
    {
        _gateway = gateway;
        _silos = silos;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>Silos in the cluster, the gateway's included.</summary>
    public int Silos => _silos.Count + 1;

    public IGrainFactory Grains => _gateway.Services.GetRequiredService<IGrainFactory>();

    /// <summary>The engine of every silo, the gateway's first.</summary>
    public IReadOnlyList<SiloServingEngine> Engines => [.. HostServices.Select(s => s.GetRequiredService<SiloServingEngine>())];

    /// <summary>
    /// The <see cref="OspreyMeters.SiloLabel"/> of every silo's measurements, the gateway's first: what tells
    /// this cluster's engine steps from those of another cluster in the same process (tests run side by side).
    /// </summary>
    public IReadOnlyList<string> SiloLabels =>
        [.. HostServices.Select(s => SiloIdentity.Of(s.GetRequiredService<ILocalSiloDetails>().SiloAddress))];

    /// <summary>Every silo's services, the gateway's first.</summary>
    private IEnumerable<IServiceProvider> HostServices => _silos.Select(s => s.Services).Prepend(_gateway.Services);

    /// <summary>A client of the gateway, with <paramref name="apiKey"/> as its bearer key when given.</summary>
    public HttpClient Http(string? apiKey = null)
    {
        var http = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromMinutes(30) };
        if (apiKey is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return http;
    }

    /// <param name="settings">Osprey settings of every host, as <c>--Osprey:Name=value</c>.</param>
    public static async Task<InProcessCluster> StartAsync(int silos, IReadOnlyList<string> settings)
    {
        if (silos < 1) throw new ArgumentOutOfRangeException(nameof(silos), silos, "a cluster needs at least one silo");
        var clusterId = $"bench-{Guid.NewGuid():N}";
        var primaryPort = FreePort();
        string[] Common(int siloPort) =>
        [
            $"--Orleans:ClusterId={clusterId}",
            $"--Orleans:SiloPort={siloPort}",
            $"--Orleans:GatewayPort={FreePort()}",
            $"--Orleans:PrimarySiloPort={primaryPort}",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Orleans=Error",
            .. settings,
        ];

        var gateway = GatewayHost.Build(["--urls=http://127.0.0.1:0", .. Common(primaryPort)]);
        await gateway.StartAsync();
        var address = gateway.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        var hosts = new List<IHost>();
        try
        {
            for (var i = 1; i < silos; i++)
            {
                var builder = Host.CreateApplicationBuilder(Common(FreePort()));
                builder.AddOspreyCluster(OspreyHostRoles.Silo);
                var host = builder.Build();
                await host.StartAsync();
                hosts.Add(host);
            }
        }
        catch
        {
            await new InProcessCluster(gateway, hosts, new Uri(address)).DisposeAsync();
            throw;
        }
        var cluster = new InProcessCluster(gateway, hosts, new Uri(address));
        await cluster.WaitForSilosAsync();
        return cluster;
    }

    /// <summary>Until the gateway's silo sees every silo active (placement only considers those).</summary>
    private async Task WaitForSilosAsync()
    {
        var management = Grains.GetGrain<IManagementGrain>(0);
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while ((await management.GetHosts(onlyActive: true)).Count < Silos)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"the {Silos} silos did not all become active within 2 minutes");
            await Task.Delay(200);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in Enumerable.Reverse(_silos))
        {
            await host.StopAsync();
            host.Dispose();
        }
        await _gateway.StopAsync();
        await _gateway.DisposeAsync();
    }
}
