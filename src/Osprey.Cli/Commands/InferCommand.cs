using System.CommandLine;
using System.Text.Json;
using Osprey.Engine.Generation;
using Osprey.Engine.Prompting;
using Osprey.Engine.Regions;
using Osprey.Engine.Serving;

namespace Osprey.Cli.Commands;

/// <summary>
/// <c>osprey infer</c>: runs a raw, already templated prompt and writes ids, the last prompt
/// position's logits and the generated text as JSON. This interface is how fidelity is checked
/// against a reference implementation: keep it stable.
/// </summary>
public static class InferCommand
{
    public static Command Create()
    {
        var model = new ModelOptions();
        var image = new Option<string>("--image") { Description = "Image file", Required = true };
        var masks = new Option<string[]>("--mask") { Description = "Mask PNG for the k-th <mask><pos> pair (repeatable, in order)" };
        var promptFile = new Option<string>("--prompt-file") { Description = "Templated prompt with <image> and <mask><pos> placeholders", Required = true };
        var maxNewTokens = new Option<int>("--max-new-tokens") { DefaultValueFactory = _ => 32 };
        var greedy = new Option<bool>("--greedy") { Description = "Greedy decoding (also the default when --temperature is 0)" };
        var temperature = new Option<float>("--temperature") { DefaultValueFactory = _ => 0f };
        var topP = new Option<float>("--top-p") { DefaultValueFactory = _ => 1f };
        var seed = new Option<ulong?>("--seed");
        var output = new Option<string?>("--output-json") { Description = "Write {input_ids, generated_ids, logits_last, text} here (default: stdout)" };

        var command = new Command("infer", "Run a raw templated prompt and write ids, last-position logits and text as JSON")
            { image, masks, promptFile, maxNewTokens, greedy, temperature, topP, seed, output };
        model.AddTo(command);
        command.SetAction((result, cancellationToken) => CliErrors.Guard(async () =>
        {
            var sampling = new SamplingParams
            {
                Temperature = result.GetValue(greedy) ? 0f : result.GetValue(temperature),
                TopP = result.GetValue(topP),
                Seed = result.GetValue(seed),
                MaxNewTokens = result.GetValue(maxNewTokens),
            };
            var prompt = await File.ReadAllTextAsync(result.GetValue(promptFile)!, cancellationToken);
            var file = ImageFile.Read(result.GetValue(image)!);
            var maskDecoder = new MaskPngDecoder();
            var regionSet = file.Regions([.. (result.GetValue(masks) ?? []).Select(p => maskDecoder.DecodeFile(p).EnsureSize(file.Height, file.Width, p))]);

            using var serving = model.Serve(result);
            var chat = ChatPrompt.Raw(serving.Tokenizer, prompt, regionSet.Count);
            var request = SequenceRequest.For(file.Source, chat, regionSet, sampling) with { ReturnPromptLogits = true };
            var outcome = await serving.Complete(request, cancellationToken: cancellationToken);

            var json = JsonSerializer.Serialize(new InferOutput([.. chat.Ids], [.. outcome.GeneratedIds], outcome.PromptLogits ?? [], outcome.Text));
            var path = result.GetValue(output);
            if (path is null) Console.WriteLine(json);
            else await File.WriteAllTextAsync(path, json, cancellationToken);
            return 0;
        }));
        return command;
    }

    private sealed record InferOutput(
        [property: System.Text.Json.Serialization.JsonPropertyName("input_ids")] int[] InputIds,
        [property: System.Text.Json.Serialization.JsonPropertyName("generated_ids")] List<int> GeneratedIds,
        [property: System.Text.Json.Serialization.JsonPropertyName("logits_last")] float[] LogitsLast,
        [property: System.Text.Json.Serialization.JsonPropertyName("text")] string Text);
}
