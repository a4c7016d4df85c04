using System.CommandLine;
using Osprey.Cli.Commands;
using Osprey.Engine.Devices;

// Before any command loads libtorch, which reads it once.
TensorHugePages.Request();

var root = new RootCommand("osprey — Osprey region chat on TorchSharp")
{
    DescribeCommand.Create(),
    InferCommand.Create(),
    SegmentCommand.Create(),
    TrainSamCommand.Create(),
    EvalSamCommand.Create(),
    InitModelCommand.Create(),
    DeepenModelCommand.Create(),
    TrainCommand.Create(),
    PretrainVisionCommand.Create(),
    PretrainInductionCommand.Create(),
    EvalCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
