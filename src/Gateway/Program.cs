using OspreyCluster.Gateway.Hosting;

var app = GatewayHost.Build(args);
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
