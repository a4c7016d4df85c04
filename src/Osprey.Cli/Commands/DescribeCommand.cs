using System.CommandLine;
using Osprey.Engine;
using Osprey.Engine.Generation;
using Osprey.Engine.Imaging;
using Osprey.Engine.Prompting;
using Osprey.Engine.Regions;
using TorchSharp;

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
            var decoded = new ImageDecoder().DecodeFile(result.GetValue(image)!);
            var parser = new RegionSpecParser();
            var masks = result.GetValue(regions)!.Select(spec => parser.Parse(spec).ToMask(decoded.Height, decoded.Width)).ToList();

            using var engine = model.Load(result);
            using var encoded = RegionImage.Encode(engine, decoded, masks);
            var asked = result.GetValue(question);
            if (asked is not null)
            {
                var (text, order) = RegionMentions.Expand(asked, masks.Count);
                await Answer(engine, encoded, text, order, sampling, cancellationToken);
                return 0;
            }
            var template = result.GetValue(detailed) ? DescriptionQuestions.Detailed : DescriptionQuestions.Short;
            for (var k = 0; k < masks.Count; k++)
            {
                Console.Write($"region{k + 1}: ");
                await Answer(engine, encoded, template, [k], sampling, cancellationToken);
            }
            return 0;
        }));
        return command;
    }

    private static async Task Answer(OspreyEngine engine, RegionImage image, string userText, IReadOnlyList<int> regionOrder, SamplingParams sampling, CancellationToken cancellationToken)
    {
        var prompt = ConversationTemplate.Build([new ConversationTurn(ConversationTemplate.FirstUserMessage(userText))]);
        var ids = engine.Tokenizer.Encode(prompt);
        ContextWindow.EnsureFits(ids, image.Features.TokenCount, sampling.MaxNewTokens, engine.Config.Language.MaxPositionEmbeddings);
        using var regionTokens = image.InOrder(regionOrder);
        torch.Tensor embeds;
        using (torch.inference_mode()) embeds = engine.Model.EmbedPrompt(ids, image.Features, regionTokens);
        using var _ = embeds;
        using var cache = engine.Model.llm.NewCache();
        var generator = new TextGenerator(engine.Model.llm, engine.Tokenizer);
        await foreach (var piece in generator.GenerateAsync(embeds, cache, sampling, cancellationToken))
            Console.Write(piece.Text);
        Console.WriteLine();
    }
}
