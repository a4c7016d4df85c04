using System.CommandLine;
using Osprey.Engine.Config;
using Osprey.Engine.Devices;
using Osprey.Engine.Tokenization;
using Osprey.Training.Training;

namespace Osprey.Cli.Commands;

/// <summary><c>osprey init-model</c>: a seeded, initialised but untrained model directory for a config.</summary>
public static class InitModelCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config") { Description = "config.json of the model shape", Required = true };
        var output = new Option<string>("--out") { Description = "Model directory to write", Required = true };
        var seed = new Option<long>("--seed") { DefaultValueFactory = _ => 1 };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "tokenizer.model (default: the default model's)" };
        var dtype = new Option<string>("--save-dtype") { Description = "fp32 | bf16", DefaultValueFactory = _ => "bf16" };
        var command = new Command("init-model", "Write an initialised, untrained model directory") { config, output, seed, tokenizer, dtype };
        command.SetAction((result, _) => CliErrors.Guard(() =>
        {
            var modelConfig = OspreyConfig.Load(result.GetValue(config)!);
            var tokenizerPath = TokenizerLocation.Resolve(result.GetValue(tokenizer));
            var tok = OspreyTokenizer.Load(tokenizerPath);
            using var model = FreshModel.Create(modelConfig, tok, result.GetValue(seed));
            var outDir = result.GetValue(output)!;
            ModelDirectoryWriter.Write(model, tokenizerPath, tok, outDir, DTypeName.Parse(result.GetValue(dtype)!));
            var parameters = model.parameters().Sum(p => p.numel());
            Console.WriteLine($"wrote {outDir}: {parameters:N0} parameters, seed {result.GetValue(seed)}");
            return Task.FromResult(0);
        }));
        return command;
    }
}
