using System.CommandLine;
using Osprey.Engine;
using Osprey.Engine.Devices;
using Osprey.Training.Training;
using static TorchSharp.torch;

namespace Osprey.Cli.Commands;

/// <summary>
/// <c>osprey deepen-model</c>: the model with one more decoder layer that starts as the identity
/// (<see cref="ModelDeepening"/>), so a model too shallow for a task keeps what it knows and gains depth.
/// </summary>
public static class DeepenModelCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model directory to deepen", Required = true };
        var insertAt = new Option<int>("--insert-at") { Description = "Index the new decoder layer takes (0 = first); later layers move up by one", Required = true };
        var seed = new Option<long>("--seed") { Description = "Seed of the new layer's input projections", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--out") { Description = "Model directory to write", Required = true };
        var command = new Command("deepen-model", "Insert one decoder layer that starts as the identity") { model, insertAt, seed, output };
        command.SetAction((result, _) => CliErrors.Guard(() =>
        {
            var source = result.GetValue(model)!;
            using var engine = OspreyEngine.Load(source, EngineOptions.Cpu32);
            using var grown = ModelDeepening.InsertLayer(engine.Model, engine.Tokenizer, result.GetValue(insertAt), result.GetValue(seed));
            var outDir = result.GetValue(output)!;
            ModelDirectoryWriter.Write(grown, Path.Combine(source, "tokenizer.model"), engine.Tokenizer, outDir, ScalarType.BFloat16);
            Console.WriteLine($"wrote {outDir}: {grown.Config.Language.NumLayers} decoder layers, the new one at index {result.GetValue(insertAt)}");
            return Task.FromResult(0);
        }));
        return command;
    }
}
