using System.CommandLine;
using Osprey.Bench;

var root = new RootCommand("Osprey.Bench — the benchmark of the Osprey engine and cluster (markdown tables; optional JSON)")
{
    BenchCommand.Create(),
    Osprey.Bench.Simulation.SimulateCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
