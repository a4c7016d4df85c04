using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Clustering.Redis;
using Orleans.Persistence;
using StackExchange.Redis;

namespace OspreyCluster.Grains.Hosting;

/// <summary>
/// This process's one connection to Redis (<see cref="OspreyClusterOptions.Redis"/>), shared by every
/// Redis user in it: membership (silo and gateway) and grain storage. It is made with abortConnect=false,
/// so a host that starts while Redis is down waits for it instead of failing, and one that loses Redis
/// reconnects by itself; the providers share it and never dispose it.
/// </summary>
public sealed class OspreyRedisConnection : IAsyncDisposable
{
    /// <summary>How often a lost connection is tried again: quickly at first, then every few seconds.</summary>
    private static readonly ExponentialRetry Reconnect = new(deltaBackOffMilliseconds: 500, maxDeltaBackOffMilliseconds: 5000);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan WaitingNotice = TimeSpan.FromSeconds(10);

    private readonly ILogger<OspreyRedisConnection> _logger;
    private readonly CancellationToken _stopping;
    private readonly Lazy<Task<IConnectionMultiplexer>> _connection;

    public OspreyRedisConnection(IOptions<OspreyClusterOptions> options, IHostApplicationLifetime lifetime, ILogger<OspreyRedisConnection> logger)
    {
        Configuration = ConfigurationOf(options.Value.Redis ?? throw new InvalidOperationException("Osprey:Redis is not set: this host keeps its cluster in memory"));
        _logger = logger;
        _stopping = lifetime.ApplicationStopping;
        _connection = new(ConnectAsync);
    }

    /// <summary>
    /// The connection settings every Redis user in the product gets: the configured string with
    /// abortConnect=false (whatever it says) and a reconnect policy that finds a restarted Redis within seconds.
    /// </summary>
    public static ConfigurationOptions ConfigurationOf(string connectionString)
    {
        var configuration = ConfigurationOptions.Parse(connectionString);
        configuration.AbortOnConnectFail = false;
        configuration.ReconnectRetryPolicy = Reconnect;
        return configuration;
    }

    public ConfigurationOptions Configuration { get; }

    /// <summary>Registers the connection and gives it to Redis clustering (membership), silo or client.</summary>
    public static void ServeClustering(IServiceCollection services)
    {
        services.TryAddSingleton<OspreyRedisConnection>();
        services.AddOptions<RedisClusteringOptions>().Configure<OspreyRedisConnection>((clustering, redis) =>
        {
            clustering.ConfigurationOptions = redis.Configuration;
            clustering.CreateMultiplexer = async _ => (await redis.ConnectedAsync(), IsShared: true);
        });
    }

    /// <summary>Registers the connection and gives it to the Redis grain storage <paramref name="storage"/>.</summary>
    public static void ServeStorage(OptionsBuilder<RedisStorageOptions> storage)
    {
        storage.Services.TryAddSingleton<OspreyRedisConnection>();
        storage.Configure<OspreyRedisConnection>((options, redis) =>
        {
            options.ConfigurationOptions = redis.Configuration;
            options.CreateMultiplexer = async _ => (await redis.ConnectedAsync(), IsShared: true);
        });
    }

    /// <summary>The shared connection, once it has reached Redis; the first caller starts it.</summary>
    public Task<IConnectionMultiplexer> ConnectedAsync() => _connection.Value;

    private async Task<IConnectionMultiplexer> ConnectAsync()
    {
        // abortConnect=false: this returns even when Redis is down, and the connection keeps trying in the background.
        var connection = await ConnectionMultiplexer.ConnectAsync(Configuration);
        var waited = TimeSpan.Zero;
        var noticed = -WaitingNotice;
        while (!connection.IsConnected)
        {
            if (waited - noticed >= WaitingNotice)
            {
                _logger.LogWarning("Waiting for Redis at {Endpoints} ({Waited:F0} s so far)", string.Join(", ", Configuration.EndPoints), waited.TotalSeconds);
                noticed = waited;
            }
            try
            {
                await Task.Delay(Poll, _stopping);
            }
            catch (OperationCanceledException)
            {
                await connection.DisposeAsync();
                throw;
            }
            waited += Poll;
        }
        if (waited > TimeSpan.Zero) _logger.LogInformation("Reached Redis after waiting {Waited:F1} s", waited.TotalSeconds);
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_connection.IsValueCreated) return;
        IConnectionMultiplexer connection;
        try
        {
            connection = await _connection.Value;
        }
        catch (OperationCanceledException)
        {
            return; // stopped before Redis was ever reached: ConnectAsync closed it
        }
        await connection.DisposeAsync();
    }
}
