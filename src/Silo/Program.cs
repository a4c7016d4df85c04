using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using OspreyCluster.Grains;
using OspreyCluster.Grains.Hosting;

// Configuration (appsettings.json, environment OSPREY__…/ORLEANS__…, or --Section:Key=value):
//   Osprey:ModelDirectory, Osprey:DType (auto|fp32|bf16|fp16; auto is bf16 on a CPU with AVX512_BF16/AMX-BF16 and on CUDA, else fp32), Osprey:Device (cpu|cuda|cuda:N),
//   Osprey:MemoryBudgetBytes, Osprey:MaxBatchSize, Osprey:RedisConnectionString
//   Orleans:ClusterId, Orleans:ServiceId, Orleans:SiloPort (11111), Orleans:GatewayPort (30000),
//   Orleans:AdvertisedIP (127.0.0.1), Orleans:PrimarySiloPort (localhost clustering only; default SiloPort)
// With a Redis connection: Redis clustering + Redis grain storage; without: localhost clustering
// (a single-machine development cluster) + in-memory storage.
var builder = Host.CreateApplicationBuilder(args);
var osprey = builder.Configuration.GetSection("Osprey");
var orleans = builder.Configuration.GetSection("Orleans");
var redis = osprey["RedisConnectionString"];
var siloPort = orleans.GetValue("SiloPort", 11111);
var gatewayPort = orleans.GetValue("GatewayPort", 30000);
var clusterId = orleans["ClusterId"] ?? "osprey";
var serviceId = orleans["ServiceId"] ?? "osprey";
var primarySiloPort = orleans.GetValue("PrimarySiloPort", siloPort);

builder.UseOrleans(silo =>
{
    if (string.IsNullOrWhiteSpace(redis))
    {
        silo.UseLocalhostClustering(siloPort, gatewayPort, new IPEndPoint(IPAddress.Loopback, primarySiloPort), serviceId, clusterId);
    }
    else
    {
        silo.UseRedisClustering(redis);
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = clusterId;
            o.ServiceId = serviceId;
        });
        silo.ConfigureEndpoints(IPAddress.Parse(orleans["AdvertisedIP"] ?? "127.0.0.1"), siloPort, gatewayPort, listenOnAnyHostAddress: true);
    }
    silo.AddOsprey(options => osprey.Bind(options));
});

try
{
    new OspreySiloOptions { ModelDirectory = osprey["ModelDirectory"] }.ResolveModelDirectory();
}
catch (DirectoryNotFoundException missing)
{
    Console.Error.WriteLine($"error: {missing.Message}");
    return 2;
}

await builder.Build().RunAsync();
return 0;
