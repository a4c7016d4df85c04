using OspreyCluster.Gateway.Hosting;

var app = GatewayHost.Build(args);
try
{
    await app.RunAsync();
}
catch (Exception failure) when (app.Lifetime.ApplicationStopping.IsCancellationRequested)
{
    // Asked to stop while still connecting to the cluster: a normal shutdown, not a crash.
    app.Logger.LogInformation("stopped before startup completed: {Reason}", failure.Message);
}
