using Osprey.Engine;
using Osprey.Engine.Devices;
using Osprey.Engine.Serving;
using Osprey.Engine.Imaging;
using Osprey.Engine.Prompting;
using Osprey.Engine.Regions;
using Osprey.Training.Evaluation;

namespace Osprey.Training.Tests.Training;

/// <summary>
/// The README's example (<c>examples/</c>: a synthetic scene from a seed never used in training, and
/// its three region masks) asked of the committed default model through the prompt path of
/// <c>osprey describe --question</c>: the greedy answers must be the ones the README prints.
/// </summary>
public class ReadmeExampleTests
{
    private const string Short = " Answer the question using a single word or phrase.";

    private static readonly (string[] Masks, string Question, string Answer)[] Example =
    [
        (["region1.png"], "What colour is <region1>?" + Short, "green"),
        (["region2.png"], "What colour is <region1>?" + Short, "red"),
        (["region3.png"], "What colour is <region1>?" + Short, "blue"),
        (["region1.png"], "Where is <region1> in the image?" + Short, "bottom"),
        (["region2.png"], "Where is <region1> in the image?" + Short, "left"),
        (["region3.png"], "Where is <region1> in the image?" + Short, "bottom"),
        (["region1.png"], "What is <region1>?" + Short, "ring"),
        (["region2.png"], "What is <region1>?" + Short, "hexagon"),
        (["region3.png"], "What is <region1>?" + Short, "triangle"),
        (["region2.png", "region3.png"], "Which is larger, <region1> or <region2>?" + Short, "region1"),
        (["region3.png", "region1.png"], "Which is smaller, <region1> or <region2>?" + Short, "region2"),
        (["region1.png", "region2.png"], "Which is smaller, <region1> or <region2>?" + Short, "region1"),
        (["region1.png"], "Is <region1> green?" + Short, "Yes"),
        (["region3.png"], "Is <region1> purple?" + Short, "No"),
        (["region3.png"], "Is <region1> a triangle?" + Short, "Yes"),
        (["region2.png"], "Is <region1> a triangle?" + Short, "No"),
    ];

    [Fact]
    public async Task TheDefaultModelAnswersTheReadmeExample()
    {
        var examples = Path.Combine(RepositoryPaths.Root, "examples");
        var image = new ImageDecoder().DecodeFile(Path.Combine(examples, "scene.png"));
        using var serving = ServingEngine.Start(OspreyEngine.Load(RepositoryPaths.DefaultModel, EngineOptions.Cpu32), new ServingOptions());
        var answerer = new ModelAnswerer(serving, maxNewTokens: 16);

        var wrong = new List<string>();
        foreach (var (maskFiles, question, expected) in Example)
        {
            var masks = maskFiles.Select(f => new MaskPngDecoder().DecodeFile(Path.Combine(examples, f))).ToList();
            // The layout this model was trained on: each mention carries its region's tokens.
            var text = System.Text.RegularExpressions.Regex.Replace(question, @"<region(\d)>", "region$1<mask><pos>");
            var sample = new EvalSample("readme", image, masks, [], text, expected);
            var answer = await answerer.AnswerAsync(sample, CancellationToken.None);
            if (answer != expected) wrong.Add($"{string.Join(" + ", maskFiles)}: \"{question}\" → \"{answer}\", README says \"{expected}\"");
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }
}
