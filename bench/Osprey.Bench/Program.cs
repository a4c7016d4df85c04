using System.CommandLine;
using Osprey.Bench;
using Osprey.Engine.Devices;

// As the hosts do (OspreyHost): before anything loads libtorch.
TensorHugePages.Request();

var root = new RootCommand("Osprey.Bench — the benchmark of the Osprey engine and cluster (markdown tables; optional JSON)")
{
    BenchCommand.Create(),
    Osprey.Bench.Simulation.SimulateCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
