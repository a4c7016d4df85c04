using Osprey.Engine.Prompting;
using Osprey.Training.Data;
using Osprey.Training.Synthetic;
using Osprey.Training.Synthetic.QuestionFamilies;
using Osprey.Training.Training;
using ConversationTurn = Osprey.Training.Data.ConversationTurn;

namespace Osprey.Training.Tests.Training;

public class RegionConversationSourceTests
{
    [Fact]
    public void ConversationsIntroduceTheirRegionsAndDescriptionsKeepTheDemoLayout()
    {
        var source = new RegionConversationSource(400, seed: 5, new SceneOptions { ImageSize = 64 });
        var examples = Enumerable.Range(0, source.Count).Select(i => source.Get(i)).ToList();
        var tokenizer = new AnswerTokenizer(TinyTraining.Tokenizer);

        var demo = examples.Where(e => e.Layout == RegionLayout.Inline).ToList();
        Assert.InRange(demo.Count, 20, 60);
        Assert.All(demo, e =>
        {
            Assert.Single(e.Regions);
            Assert.Equal([ConversationTurn.User(DescriptionQuestions.Short)], e.Conversation.Where(t => t.From == ConversationTurn.Human));
        });
        foreach (var e in examples.Where(e => e.Layout == RegionLayout.Introduced).Take(50))
        {
            Assert.All(e.Conversation, t => Assert.DoesNotContain("<mask>", t.Value));
            // Every region's pair is in the prompt: the first turn introduces them all.
            var ids = tokenizer.Tokenize(e).Ids;
            Assert.Equal(e.Regions.Count, ids.Count(id => id == TinyTraining.Tokenizer.MaskId));
        }
    }

    [Fact]
    public void TheSameSeedGivesTheSameExamplesInAnyAccessOrder()
    {
        var a = new RegionConversationSource(64, seed: 9, new SceneOptions { ImageSize = 64 });
        var b = new RegionConversationSource(64, seed: 9, new SceneOptions { ImageSize = 64 });
        var forward = Enumerable.Range(0, a.Count).Select(i => a.Get(i)).ToList();
        for (int i = b.Count - 1; i >= 0; i -= 5)
        {
            var example = b.Get(i);
            Assert.Equal(forward[i].Image.Pixels, example.Image.Pixels);
            Assert.Equal(forward[i].Conversation, example.Conversation);
        }
        Assert.NotEqual(forward[0].Conversation, new RegionConversationSource(64, seed: 10, new SceneOptions { ImageSize = 64 }).Get(0).Conversation);
    }

    [Fact]
    public void ChosenFamiliesAreTheOnlyQuestionsAsked()
    {
        var source = new RegionConversationSource(100, seed: 3, new SceneOptions { ImageSize = 64 },
            SyntheticDatasetBuilder.FamiliesNamed("comparison"), describeShare: 0);
        var questions = Enumerable.Range(0, source.Count).Select(i => source.Get(i))
            .Where(e => e.Layout == RegionLayout.Introduced)
            .SelectMany(e => e.Conversation.Where(t => t.From == ConversationTurn.Human)).ToList();
        Assert.NotEmpty(questions);
        Assert.All(questions, q => Assert.StartsWith("Which is", q.Value));
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void ABoxShareOutsideZeroToOneIsRefused(double share)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new RegionConversationSource(10, 1, boxShare: share));
        Assert.Equal("boxShare", e.ParamName);
    }

    [Fact]
    public void ABoxShareIsPartOfTheDataDescriptionSoAResumeMustKeepIt()
    {
        Assert.DoesNotContain("boxes", new RegionConversationSource(10, 1).Description);
        Assert.Contains("regions as boxes 0.25", new RegionConversationSource(10, 1, boxShare: 0.25).Description);
    }
}
