using Osprey.Training.Data;
using Osprey.Training.Synthetic;
using Osprey.Training.Synthetic.QuestionFamilies;
using Osprey.Training.Training;

namespace Osprey.Training.Tests.Training;

public class SyntheticTrainingSourceTests
{
    [Fact]
    public void MergedSceneConversationsBindEveryPlaceholderToItsOwnRegion()
    {
        var merged = new SyntheticTrainingSource(64, seed: 4, new SceneOptions { ImageSize = 64 });
        var single = new SyntheticTrainingSource(64, seed: 4, new SceneOptions { ImageSize = 64 }, mergeScenes: false);
        Assert.Equal(16, merged.Count);
        Assert.Equal(64, single.Count);

        var singles = Enumerable.Range(0, single.Count).Select(i => single.Get(i)).ToList();
        var next = 0;
        for (int i = 0; i < merged.Count; i++)
        {
            var example = merged.Get(i);
            var placeholders = example.Conversation.Where(t => t.From == ConversationTurn.Human)
                .Sum(t => RegionPlaceholders.Count(t.Value));
            Assert.Equal(example.Regions.Count, placeholders);
            // The merged conversation is the scene's single questions, in order, with their regions in order.
            var parts = singles.Skip(next).TakeWhile(s => s.Image.Pixels.AsSpan().SequenceEqual(example.Image.Pixels)).ToList();
            Assert.NotEmpty(parts);
            Assert.Equal(parts.SelectMany(p => p.Conversation), example.Conversation);
            Assert.Equal(parts.SelectMany(p => p.Regions), example.Regions);
            next += parts.Count;
        }
    }

    [Fact]
    public void TheSameSeedGivesTheSameExamplesInAnyAccessOrder()
    {
        var a = new SyntheticTrainingSource(256, seed: 9, new SceneOptions { ImageSize = 64 });
        var b = new SyntheticTrainingSource(256, seed: 9, new SceneOptions { ImageSize = 64 });
        var forward = Enumerable.Range(0, a.Count).Select(i => a.Get(i)).ToList();
        for (int i = b.Count - 1; i >= 0; i -= 7)
        {
            var example = b.Get(i);
            Assert.Equal(forward[i].Image.Pixels, example.Image.Pixels);
            Assert.Equal(forward[i].Conversation, example.Conversation);
        }
        Assert.NotEqual(forward[0].Image.Pixels, new SyntheticTrainingSource(256, seed: 10, new SceneOptions { ImageSize = 64 }).Get(0).Image.Pixels);
    }

    [Fact]
    public void ChosenFamiliesAreTheOnlyQuestionsAsked()
    {
        var source = new SyntheticTrainingSource(128, seed: 3, new SceneOptions { ImageSize = 64 },
            families: SyntheticDatasetBuilder.FamiliesNamed("category, Colour"));
        var shapes = Enum.GetValues<ShapeCategory>().Select(c => c.Name()).ToHashSet();
        var colours = NamedColour.Palette.Select(c => c.Name).ToHashSet();
        var answers = Enumerable.Range(0, source.Count).SelectMany(i => source.Get(i).Conversation)
            .Where(t => t.From == ConversationTurn.Gpt).Select(t => t.Value).ToList();
        Assert.Equal(128, answers.Count);
        Assert.All(answers, a => Assert.True(shapes.Contains(a) || colours.Contains(a), $"'{a}' answers neither family"));
        Assert.Equal(64, answers.Count(shapes.Contains));
    }

    [Fact]
    public void UnknownFamilyNamesAreRejectedWithTheKnownOnes()
    {
        var error = Assert.Throws<ArgumentException>(() => SyntheticDatasetBuilder.FamiliesNamed("category,shape"));
        Assert.Contains("'shape'", error.Message);
        Assert.Contains("yesno", error.Message);
        Assert.Throws<ArgumentException>(() => SyntheticDatasetBuilder.FamiliesNamed(" , "));
    }
}
