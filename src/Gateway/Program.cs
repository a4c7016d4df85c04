using OspreyCluster.Gateway.Hosting;

await GatewayHost.Build(args).RunAsync();
