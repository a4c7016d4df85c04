using System.Text.RegularExpressions;
using Osprey.Training.Data;
using Osprey.Training.Synthetic;
using Osprey.Training.Synthetic.Conversations;
using Osprey.Training.Synthetic.QuestionFamilies;

namespace Osprey.Training.Tests.Synthetic;

public class RegionConversationBuilderTests
{
    private static readonly SceneGenerator Generator = new(new SceneOptions { ImageSize = 96 });
    private static readonly RegionConversationBuilder Builder = new(SyntheticDatasetBuilder.AllFamilies());

    private static readonly IReadOnlyList<InstructionSample> Conversations = Enumerable.Range(0, 300)
        .Select(i => Builder.Build(Generator.Generate(31, i), SeededRandom.Derive(31, i, purpose: 5)))
        .OfType<InstructionSample>().ToList();

    private static IEnumerable<(InstructionSample Sample, ConversationQuestion Question)> Questions =>
        Conversations.SelectMany(c => c.Questions.Select(q => (c, q)));

    [Fact]
    public void RegionsAreDistinctObjectsInShuffledOrderNamedOnlyAsPlainText()
    {
        Assert.Equal(300, Conversations.Count);
        foreach (var c in Conversations)
        {
            Assert.Equal(RegionLayout.Introduced, c.Layout);
            Assert.InRange(c.Regions.Count, 1, RegionConversationBuilder.MaxRegions);
            Assert.Equal(c.Regions.Count, c.Regions.Select(r => r.ObjectIndex).Distinct().Count());
            Assert.InRange(c.Questions.Count, 1, RegionConversationBuilder.MaxQuestions);
            Assert.Equal(c.Questions.Count * 2, c.Conversation.Count);
            foreach (var turn in c.Conversation.Where(t => t.From == ConversationTurn.Human))
            {
                Assert.DoesNotContain("<mask>", turn.Value);
                Assert.DoesNotContain("<region", turn.Value);
                foreach (Match m in Regex.Matches(turn.Value, @"region(\d+)"))
                    Assert.InRange(int.Parse(m.Groups[1].Value), 1, c.Regions.Count);
            }
        }
        // Region 1 is any object of the scene, not the first one drawn.
        Assert.True(Conversations.Count(c => c.Regions[0].ObjectIndex != 0) > 100);
        Assert.Contains(Conversations, c => c.Regions.Count == RegionConversationBuilder.MaxRegions);
        Assert.Contains(Conversations, c => c.Regions.Any(r => r.PartName is not null));
    }

    [Fact]
    public void EveryFamilyIsAskedWithAndWithoutTheShortAnswerSuffixAndAboutEveryRegionNumber()
    {
        foreach (var family in SyntheticDatasetBuilder.AllFamilies().Select(f => f.Name))
        {
            var asked = Questions.Where(x => x.Question.Family == family).ToList();
            Assert.Contains(asked, x => x.Question.Question.EndsWith(RegionText.ShortAnswerSuffix, StringComparison.Ordinal));
            Assert.Contains(asked, x => !x.Question.Question.EndsWith(RegionText.ShortAnswerSuffix, StringComparison.Ordinal));
        }
        for (int k = 1; k <= RegionConversationBuilder.MaxRegions; k++)
            Assert.Contains(Questions, x => x.Question.Question.Contains($"region{k}", StringComparison.Ordinal) && x.Question.Family == QuestionFamily.YesNo);
    }

    [Fact]
    public void AnswersAgreeWithTheGroundTruthOfTheNamedRegion()
    {
        foreach (var (sample, q) in Questions)
        {
            bool suffixed = q.Question.EndsWith(RegionText.ShortAnswerSuffix, StringComparison.Ordinal);
            var obj = q.Region is { } k ? sample.Scene.Objects[sample.Regions[k - 1].ObjectIndex] : null;
            switch (q.Family)
            {
                case QuestionFamily.Category:
                    Assert.Equal(suffixed ? obj!.Category.Name() : $"a {obj!.Category.Name()}", q.Answer);
                    break;
                case QuestionFamily.Description:
                    Assert.Equal(obj!.ShortDescription, q.Answer);
                    Assert.Equal(q.Question.StartsWith("What is region", StringComparison.Ordinal) ? obj.Category.Name() : null, q.NamedCategory);
                    break;
                case QuestionFamily.Colour:
                    Assert.Equal(obj!.Colour.Name, q.Answer);
                    break;
                case QuestionFamily.Comparison:
                    var named = Regex.Matches(q.Question, @"region(\d+)").Select(m => int.Parse(m.Groups[1].Value)).ToList();
                    Assert.Equal(2, named.Count);
                    var areas = named.Select(n => sample.Scene.Objects[sample.Regions[n - 1].ObjectIndex].Area).ToList();
                    int larger = areas[0] > areas[1] ? named[0] : named[1], smaller = larger == named[0] ? named[1] : named[0];
                    Assert.Equal($"region{(q.Question.Contains("larger") ? larger : smaller)}", q.Answer);
                    break;
                case QuestionFamily.YesNo:
                    var asked = Regex.Match(q.Question, @"^Is region\d+ (?:a )?([a-z ]+)\?").Groups[1].Value;
                    bool matches = asked == obj!.Category.Name() || asked == obj.Colour.Name;
                    Assert.Equal(matches ? YesNoFamily.Yes : YesNoFamily.No, q.Answer);
                    break;
            }
        }
    }

    [Fact]
    public void UnsuffixedWhatIsAsksForTheShortDescriptionAndSuffixedForTheCategoryWord()
    {
        var whatIs = Questions.Where(x => Regex.IsMatch(x.Question.Question, @"^What is region\d+\?")).ToList();
        Assert.Contains(whatIs, x => x.Question.Family == QuestionFamily.Description);
        Assert.Contains(whatIs, x => x.Question.Family == QuestionFamily.Category);
        Assert.All(whatIs, x => Assert.Equal(
            x.Question.Question.EndsWith(RegionText.ShortAnswerSuffix, StringComparison.Ordinal) ? QuestionFamily.Category : QuestionFamily.Description,
            x.Question.Family));
    }

    [Fact]
    public void FollowUpsAskAboutTheRegionOfThePreviousQuestion()
    {
        foreach (var c in Conversations)
            for (int i = 1; i < c.Questions.Count; i++)
                if (c.Questions[i].Family == QuestionFamily.MultiTurn)
                    Assert.Equal(c.Questions[i - 1].Region, c.Questions[i].Region);
        Assert.Contains(Questions, x => x.Question.Family == QuestionFamily.MultiTurn);
    }
    [Theory]
    [InlineData(0.75)]
    [InlineData(0.25)]
    public void WordTiedYesNoLeansWithTheAskedWordInConversationsAndStaysTrueAndBalanced(double tied)
    {
        var builder = new RegionConversationBuilder([new YesNoFamily(wordTied: tied)]) { Questions = 8 };
        var categories = Enum.GetValues<ShapeCategory>();
        int yes = 0, total = 0, yesLeaningAsked = 0, yesLeaningAnsweredYes = 0;
        for (int i = 0; i < 150; i++)
        {
            // A scene whose regions are all parts has nothing to ask.
            if (builder.Build(Generator.Generate(41, i), SeededRandom.Derive(41, i, purpose: 5)) is not { } c) continue;
            foreach (var q in c.Questions!)
            {
                var obj = c.Scene.Objects[c.Regions[q.Region!.Value - 1].ObjectIndex];
                Assert.Contains($"region{q.Region}", q.Question);
                int asked = categories.Where(k => q.Question.Contains($" a {k.Name()}?")).Select(k => (int)k)
                    .Concat(NamedColour.Palette.Where(k => q.Question.Contains($" {k.Name}?")).Select(k => k.PaletteIndex)).Single();
                bool asksTruth = q.Question.Contains($" a {obj.Category.Name()}?") || q.Question.Contains($" {obj.Colour.Name}?");
                Assert.Equal(asksTruth ? YesNoFamily.Yes : YesNoFamily.No, q.Answer);
                total++;
                if (asksTruth) yes++;
                if (!YesNoFamily.LeansYes(asked)) continue;
                yesLeaningAsked++;
                if (asksTruth) yesLeaningAnsweredYes++;
            }
        }
        Assert.InRange(yes / (double)total, 0.45, 0.55);
        Assert.InRange(yesLeaningAnsweredYes / (double)yesLeaningAsked, tied - 0.05, tied + 0.05);
    }
    [Theory]
    [InlineData(YesNoKinds.Colour)]
    [InlineData(YesNoKinds.Category)]
    public void YesNoKindsRestrictWhatConversationsAsk(YesNoKinds kinds)
    {
        var builder = new RegionConversationBuilder([new YesNoFamily(kinds: kinds)]) { Questions = 8 };
        var asked = Enumerable.Range(0, 60)
            .Select(i => builder.Build(Generator.Generate(43, i), SeededRandom.Derive(43, i, purpose: 5)))
            .OfType<InstructionSample>().SelectMany(c => c.Questions!).ToList();
        Assert.True(asked.Count > 200, $"{asked.Count} questions");
        Assert.All(asked, q => Assert.Equal(kinds == YesNoKinds.Category, Regex.IsMatch(q.Question, @"^Is region\d+ a ")));
    }

    [Fact]
    public void BoxedRegionsAreTheFilledBoundingBoxesOfTheirVisiblePixelsAndTheQuestionsStayTheSame()
    {
        var boxing = new RegionConversationBuilder(SyntheticDatasetBuilder.AllFamilies()) { BoxShare = 0.5 };
        int boxed = 0, exact = 0;
        for (int i = 0; i < 100; i++)
        {
            var scene = Generator.Generate(31, i);
            var sample = boxing.Build(scene, SeededRandom.Derive(31, i, purpose: 5))!;
            foreach (var region in sample.Regions)
            {
                var visible = scene.MaskOf(region with { AsBox = false });
                var mask = scene.MaskOf(region);
                if (!region.AsBox) { Assert.Equal(visible, mask); exact++; continue; }
                boxed++;
                var box = PixelBox.Of(visible, scene.Width, scene.Height);
                Assert.Equal(box, PixelBox.Of(mask, scene.Width, scene.Height));
                Assert.Equal(box.Width * box.Height, mask.Count(v => v == 1));
                Assert.True(mask.Count(v => v == 1) >= visible.Count(v => v == 1));
                Assert.All(Enumerable.Range(0, visible.Length).Where(k => visible[k] == 1), k => Assert.Equal(1, mask[k]));
            }
            // Boxes change how regions are marked, not what is asked about them.
            var unboxed = Builder.Build(scene, SeededRandom.Derive(31, i, purpose: 5))!;
            Assert.Equal(unboxed.Regions, sample.Regions.Select(r => r with { AsBox = false }));
            Assert.Equal(unboxed.Conversation.Select(t => t.Value), sample.Conversation.Select(t => t.Value));
            Assert.All(sample.WithRegionsAsBoxes().Regions, r => Assert.True(r.AsBox));
        }
        Assert.InRange(boxed, 50, 250);
        Assert.InRange(exact, 50, 250);
    }
}
