using Osprey.Engine;
using Osprey.Engine.Devices;
using Osprey.Engine.Generation;
using Osprey.Engine.Imaging;
using Osprey.Engine.Regions;
using Osprey.Engine.Serving;
using Osprey.Training.Evaluation;

namespace Osprey.Training.Tests.Training;

/// <summary>
/// The README's example (<c>examples/</c>: a synthetic scene from a seed never used in training and its
/// three region masks: region1 a medium green ring at the bottom, region2 a large red hexagon on the
/// left, region3 a medium blue triangle at the bottom) held as ONE conversation with the committed
/// default model through <see cref="RegionChat"/>, the gateway's path: regions asked about in mixed
/// order, with and without the short-answer suffix, the model's own answers as history. The greedy
/// answers must be the ones the README prints.
/// </summary>
public class ReadmeExampleTests
{
    private const string Short = " Answer the question using a single word or phrase.";

    /// <summary>The README's conversation; <c>Names</c> marks an answer that must name that word rather than equal it.</summary>
    private static readonly (string Question, string Answer, bool Names)[] Conversation =
    [
        ("What is <region1>?", "ring", true),
        ("Which is larger, <region2> or <region3>?" + Short, "region2", false),
        ("What colour is <region3>?" + Short, "blue", false),
        ("Give a short description of <region1>.", "a medium green ring", false),
        ("What is <region2>?", "hexagon", true),
        ("Is <region3> a triangle?" + Short, "Yes", false),
        ("Which is smaller, <region1> or <region3>?" + Short, "region1", false),
        ("Is <region2> green?" + Short, "No", false),
        ("What is <region3>?" + Short, "triangle", false),
        ("Where is <region2> in the image?" + Short, "left", false),
    ];

    [Fact]
    public async Task TheDefaultModelHoldsTheReadmeConversation()
    {
        var examples = Path.Combine(RepositoryPaths.Root, "examples");
        var image = new ImageDecoder().DecodeFile(Path.Combine(examples, "scene.png"));
        var masks = new[] { "region1.png", "region2.png", "region3.png" }
            .Select(f => new MaskPngDecoder().DecodeFile(Path.Combine(examples, f)).Data).ToArray();
        using var serving = ServingEngine.Start(OspreyEngine.Load(RepositoryPaths.DefaultModel, EngineOptions.Cpu32), new ServingOptions());
        using var chat = new RegionChat(serving, ImageSource.FromPixels("readme-scene", image), new RegionMaskSet(image.Width, image.Height, masks));

        var wrong = new List<string>();
        foreach (var (question, expected, names) in Conversation)
        {
            var answer = (await chat.Ask(question, SamplingParams.Greedy with { MaxNewTokens = 16 })).Text.Trim();
            bool right = names ? AnswerNormalizer.Words(answer).Contains(expected) : answer == expected;
            if (!right) wrong.Add($"\"{question}\" → \"{answer}\", README says {(names ? "it names" : "")} \"{expected}\"");
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }
}
