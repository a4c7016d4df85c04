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
/// answers must be the ones the README prints, right or wrong.
/// </summary>
public class ReadmeExampleTests
{
    private const string Short = " Answer the question using a single word or phrase.";

    /// <summary>
    /// The README's conversation: each question, the answer the README prints (the shipped model's
    /// greedy answer, the same in fp32 and in bf16, which the gateway serves by default on a CPU with bf16
    /// instructions) and the scene's ground truth. Any change of an answer in either dtype fails here, so
    /// the README stays true.
    /// </summary>
    private static readonly (string Question, string Answer, string Truth)[] Conversation =
    [
        ("What is <region1>?", "a medium green ring", "a medium green ring"),
        ("Which is larger, <region2> or <region3>?" + Short, "region2", "region2"),
        ("What colour is <region3>?" + Short, "blue", "blue"),
        ("Give a short description of <region1>.", "a medium green ring", "a medium green ring"),
        ("What is <region2>?", "a large red hexagon", "a large red hexagon"),
        ("Is <region3> a triangle?" + Short, "Yes", "Yes"),
        ("Which is smaller, <region1> or <region3>?" + Short, "region1", "region1"),
        ("Is <region2> green?" + Short, "No", "No"),
        ("What is <region3>?" + Short, "triangle", "triangle"),
        ("Where is <region2> in the image?" + Short, "left", "left"),
    ];

    [Fact]
    public Task TheDefaultModelHoldsTheReadmeConversationInFp32() => HoldsTheConversation("fp32");

    [CpuBf16Fact]
    public Task TheDefaultModelHoldsTheReadmeConversationInBf16() => HoldsTheConversation("bf16");

    private static async Task HoldsTheConversation(string dtype)
    {
        var examples = Path.Combine(RepositoryPaths.Root, "examples");
        var image = new ImageDecoder().DecodeFile(Path.Combine(examples, "scene.png"));
        var masks = new[] { "region1.png", "region2.png", "region3.png" }
            .Select(f => new MaskPngDecoder().DecodeFile(Path.Combine(examples, f)).Data).ToArray();
        using var serving = ServingEngine.Start(OspreyEngine.Load(RepositoryPaths.DefaultModel, new EngineOptions { DType = dtype }), new ServingOptions());
        var chat = new RegionChat(serving, ImageSource.FromPixels("readme-scene", image), new RegionMaskSet(image.Width, image.Height, masks));

        var changed = new List<string>();
        foreach (var (question, expected, _) in Conversation)
        {
            var answer = (await chat.Ask(question, SamplingParams.Greedy with { MaxNewTokens = 16 })).Text.Trim();
            if (answer != expected) changed.Add($"\"{question}\" → \"{answer}\", README says \"{expected}\" ({dtype})");
        }
        Assert.True(changed.Count == 0, string.Join("\n", changed));
    }

    [Fact]
    public void TheReadmeCountsTheRightAnswersOfItsConversation()
    {
        // The README says the shipped model gets all 10 answers right, in fp32 and in bf16.
        Assert.Equal(10, Conversation.Count(c => AnswerNormalizer.Matches(c.Answer, c.Truth)));
    }
}
