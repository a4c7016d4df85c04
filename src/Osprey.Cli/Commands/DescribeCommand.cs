using System.CommandLine;
using Osprey.Engine.Generation;
using Osprey.Engine.Serving;
using Osprey.Engine.Prompting;
using Osprey.Engine.Regions;

namespace Osprey.Cli.Commands;

/// <summary><c>osprey describe</c>: describe regions of an image, or answer a question about them, streaming the answer.</summary>
public static class DescribeCommand
{
    public static Command Create()
    {
        var model = new ModelOptions();
        var image = new Option<string>("--image") { Description = "Image file (PNG, JPEG, …)", Required = true };
        var regions = new Option<string[]>("--region") { Description = "Region: mask PNG path, box:x0,y0,x1,y1, poly:x,y,x,y,… or rle:FILE.json (repeatable)", Required = true };
        var question = new Option<string?>("--question") { Description = "A question mentioning regions as <region1>, <region2>, …" };
        var detailed = new Option<bool>("--detailed") { Description = "A detailed description of each region" };
        var shortForm = new Option<bool>("--short") { Description = "A short description of each region (the default)" };
        var maxNewTokens = new Option<int>("--max-new-tokens") { DefaultValueFactory = _ => 128 };
        var temperature = new Option<float>("--temperature") { DefaultValueFactory = _ => 0f, Description = "0 = greedy" };
        var topP = new Option<float>("--top-p") { DefaultValueFactory = _ => 1f };
        var seed = new Option<ulong?>("--seed");

        var command = new Command("describe", "Describe regions of an image, or answer a question about them") { image, regions, question, detailed, shortForm, maxNewTokens, temperature, topP, seed };
        model.AddTo(command);
        command.SetAction((result, cancellationToken) => CliErrors.Guard(async () =>
        {
            if (result.GetValue(question) is not null && (result.GetValue(detailed) || result.GetValue(shortForm)))
                return CliErrors.Fail("--question cannot be combined with --short or --detailed");
            var sampling = new SamplingParams
            {
                Temperature = result.GetValue(temperature),
                TopP = result.GetValue(topP),
                Seed = result.GetValue(seed),
                MaxNewTokens = result.GetValue(maxNewTokens),
            };
            var file = ImageFile.Read(result.GetValue(image)!);
            var parser = new RegionSpecParser();
            var regionSet = file.Regions([.. result.GetValue(regions)!.Select(spec => parser.Parse(spec).ToMask(file.Height, file.Width))]);

            using var serving = model.Serve(result);
            var asked = result.GetValue(question);
            if (asked is not null)
            {
                // One question is the first turn of a conversation about all the regions, as the gateway asks it.
                var chat = new RegionChat(serving, file.Source, regionSet);
                await chat.Ask(asked, sampling, Console.Write, cancellationToken);
                Console.WriteLine();
                return 0;
            }
            var prompt = ChatPrompt.SingleRegion(serving.Tokenizer, result.GetValue(detailed) ? DescriptionQuestions.Detailed : DescriptionQuestions.Short);
            for (var k = 0; k < regionSet.Count; k++)
            {
                Console.Write($"region{k + 1}: ");
                var one = new RegionMaskSet(regionSet.Width, regionSet.Height, [regionSet.Masks[k]]);
                await serving.Complete(SequenceRequest.For(file.Source, prompt, one, sampling), Console.Write, cancellationToken);
                Console.WriteLine();
            }
            return 0;
        }));
        return command;
    }
}
