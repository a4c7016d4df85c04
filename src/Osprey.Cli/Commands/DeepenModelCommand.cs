using System.CommandLine;
using System.Text.RegularExpressions;
using Osprey.Engine;
using Osprey.Engine.Devices;
using Osprey.Training.Training;
using static TorchSharp.torch;

namespace Osprey.Cli.Commands;

/// <summary>
/// <c>osprey deepen-model</c>: the same model with one more decoder layer, inserted at a given depth
/// and initialised so that it changes nothing yet (its attention and MLP outputs start at zero, so the
/// residual stream passes through it unchanged). Training then grows into the new layer from the
/// model's current function instead of from scratch: a model too shallow to route a question's
/// <c>regionK</c> to the K-th region's tokens keeps everything it knows and gains the depth for it.
/// </summary>
public static partial class DeepenModelCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model directory to deepen", Required = true };
        var insertAt = new Option<int>("--insert-at") { Description = "Index the new decoder layer takes (0 = first); later layers move up by one", Required = true };
        var seed = new Option<long>("--seed") { Description = "Seed of the new layer's attention inputs and MLP inputs", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--out") { Description = "Model directory to write", Required = true };
        var command = new Command("deepen-model", "Insert one decoder layer that starts as the identity") { model, insertAt, seed, output };
        command.SetAction((result, _) => CliErrors.Guard(() =>
        {
            var source = result.GetValue(model)!;
            int at = result.GetValue(insertAt);
            using var engine = OspreyEngine.Load(source, EngineOptions.Cpu32);
            var config = engine.Model.Config;
            if (at < 0 || at > config.Language.NumLayers)
                throw new ArgumentException($"--insert-at {at}: the model has {config.Language.NumLayers} decoder layers, so use 0..{config.Language.NumLayers}");
            var deeper = config with { Language = config.Language with { NumLayers = config.Language.NumLayers + 1 } };
            using var grown = FreshModel.Create(deeper, engine.Tokenizer, result.GetValue(seed));
            var from = engine.Model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            using (no_grad())
            {
                foreach (var (name, parameter) in grown.named_parameters())
                {
                    var match = DecoderLayerParameter().Match(name);
                    if (match.Success && int.Parse(match.Groups[2].Value) == at)
                    {
                        // Zero outputs make the new layer the identity; its inputs keep their random init
                        // so gradients reach them as soon as the outputs move.
                        if (name.EndsWith("o_proj.weight", StringComparison.Ordinal) || name.EndsWith("down_proj.weight", StringComparison.Ordinal))
                            parameter.zero_();
                        continue;
                    }
                    var sourceName = match.Success
                        ? $"{match.Groups[1].Value}{ShiftBack(int.Parse(match.Groups[2].Value), at)}{match.Groups[3].Value}"
                        : name;
                    if (!from.TryGetValue(sourceName, out var value))
                        throw new InvalidDataException($"{source} has no parameter {sourceName} for {name}");
                    parameter.copy_(value);
                }
            }
            var outDir = result.GetValue(output)!;
            ModelDirectoryWriter.Write(grown, Path.Combine(source, "tokenizer.model"), engine.Tokenizer, outDir, ScalarType.BFloat16);
            Console.WriteLine($"wrote {outDir}: {deeper.Language.NumLayers} decoder layers, the new one at index {at}");
            return Task.FromResult(0);
        }));
        return command;
    }

    private static int ShiftBack(int index, int insertedAt) => index < insertedAt ? index : index - 1;

    [GeneratedRegex(@"^(llm\.model\.layers\.)(\d+)(\..+)$")]
    private static partial Regex DecoderLayerParameter();
}
