using Osprey.Engine;
using Osprey.Engine.Devices;
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

    private static readonly (string Mask, string Question, string Answer)[] Example =
    [
        ("region1.png", "What colour is <region1>?" + Short, "green"),
        ("region2.png", "What colour is <region1>?" + Short, "red"),
        ("region3.png", "What colour is <region1>?" + Short, "blue"),
        ("region1.png", "Where is <region1> in the image?" + Short, "bottom"),
        ("region2.png", "Where is <region1> in the image?" + Short, "left"),
        ("region3.png", "Where is <region1> in the image?" + Short, "bottom"),
        ("region1.png", "What is <region1>?" + Short, "ring"),
        ("region2.png", "What is <region1>?" + Short, "hexagon"),
        ("region3.png", "What is <region1>?" + Short, "triangle"),
    ];

    [Fact]
    public async Task TheDefaultModelAnswersTheReadmeExample()
    {
        var examples = Path.Combine(RepositoryPaths.Root, "examples");
        var image = new ImageDecoder().DecodeFile(Path.Combine(examples, "scene.png"));
        using var engine = OspreyEngine.Load(RepositoryPaths.DefaultModel, EngineOptions.Cpu32);
        using var answerer = new ModelAnswerer(engine, maxNewTokens: 16);

        var wrong = new List<string>();
        foreach (var (maskFile, question, expected) in Example)
        {
            var mask = new MaskPngDecoder().DecodeFile(Path.Combine(examples, maskFile));
            var (text, order) = RegionMentions.Expand(question, 1);
            var sample = new EvalSample("readme", image, order.Select(_ => mask).ToList(), [], text, expected);
            var answer = await answerer.AnswerAsync(sample, CancellationToken.None);
            if (answer != expected) wrong.Add($"{maskFile}: \"{question}\" → \"{answer}\", README says \"{expected}\"");
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }
}
