using OspreyCluster.Gateway.Hosting;
using OspreyCluster.Grains.Hosting;

var app = GatewayHost.Build(args);
// A silo in this process needs a model; say which one is missing before the cluster starts up.
var plan = app.Services.GetRequiredService<OspreyHostPlan>();
if (plan.HostsSilo)
{
    try
    {
        plan.Options.ResolveModelDirectory();
    }
    catch (DirectoryNotFoundException missing)
    {
        Console.Error.WriteLine($"error: {missing.Message}");
        return 2;
    }
}
// Taken before running: RunAsync disposes the host, and with it the service provider.
var stopping = app.Lifetime.ApplicationStopping;
var logger = app.Logger;
try
{
    await app.RunAsync();
}
catch (OperationCanceledException failure) when (stopping.IsCancellationRequested)
{
    // Asked to stop while still connecting to the cluster: a normal shutdown, not a crash.
    logger.LogInformation("stopped before startup completed: {Reason}", failure.Message);
}
return 0;
