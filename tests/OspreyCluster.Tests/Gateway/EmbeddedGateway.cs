using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using OspreyCluster.Gateway.Hosting;

namespace OspreyCluster.Tests.Gateway;

/// <summary>
/// The real embedded host (gateway + in-process silo) serving the tiny fixture model on an ephemeral
/// 127.0.0.1 port, shared by the gateway tests. Body limits are small so oversized bodies stay cheap.
/// </summary>
public class EmbeddedGateway : IAsyncLifetime
{
    private readonly string _modelDirectory;
    private readonly string[] _settings;

    public EmbeddedGateway() : this(FixturePaths.OspreyTiny)
    {
    }

    protected EmbeddedGateway(string modelDirectory, params string[] settings)
    {
        _modelDirectory = modelDirectory;
        _settings = settings;
    }

    public const long MaxImageBytes = 256 * 1024;
    public const long MaxJsonBytes = 128 * 1024;

    private WebApplication? app;

    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        app = GatewayHost.Build(
        [
            "--urls=http://127.0.0.1:0",
            $"--Osprey:ModelDirectory={_modelDirectory}",
            // Answers are compared with fp32 reference engines: fp32 whatever this CPU would pick.
            "--Osprey:DType=fp32",
            $"--Orleans:SiloPort={FreePorts.One()}",
            $"--Orleans:GatewayPort={FreePorts.One()}",
            $"--Orleans:ClusterId=gateway-tests-{Guid.NewGuid():N}",
            $"--Osprey:MaxImageBytes={MaxImageBytes}",
            $"--Osprey:MaxJsonBytes={MaxJsonBytes}",
            "--Logging:LogLevel:Default=Warning",
            .. _settings,
        ]);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        Assert.StartsWith("http://127.0.0.1:", address);
        Http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromMinutes(3) };
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}

/// <summary>The same host serving the committed default model, for conversations whose answers can be checked.</summary>
public sealed class DefaultModelGateway() : EmbeddedGateway(RepositoryPaths.DefaultModel);

[CollectionDefinition(Name)]
public sealed class EmbeddedGatewayCollection : ICollectionFixture<EmbeddedGateway>
{
    public const string Name = "embedded gateway";
}
