using Microsoft.Extensions.Hosting;
using OspreyCluster.Grains.Hosting;

// Configuration (appsettings.json, environment Osprey__…/Orleans__…, or --Section:Key=value) is
// OspreyClusterOptions, read by the host composition shared with the gateway (OspreyHost):
//   Osprey:Redis, Osprey:ModelDirectory, Osprey:DType (auto|fp32|bf16|fp16), Osprey:Device (cpu|cuda|cuda:N),
//   Osprey:MemoryBudgetBytes, Osprey:MaxBatchSize, Osprey:MaxBatchedTokens (512), Osprey:MaxWaitingSequences (64), Osprey:TurnDeadline (00:05:00),
//   Orleans:ClusterId, Orleans:ServiceId, Orleans:SiloPort (11111), Orleans:GatewayPort (30000),
//   Orleans:AdvertisedIP (127.0.0.1), Orleans:PrimarySiloPort (localhost clustering only; default SiloPort)
// With Osprey:Redis: Redis clustering + Redis grain storage; without: localhost clustering
// (a single-machine development cluster) + in-memory storage.
var builder = Host.CreateApplicationBuilder(args);
var plan = builder.AddOspreyCluster(OspreyHostRoles.Silo);

try
{
    plan.Options.ResolveModelDirectory();
}
catch (DirectoryNotFoundException missing)
{
    Console.Error.WriteLine($"error: {missing.Message}");
    return 2;
}

await builder.Build().RunAsync();
return 0;
