using Osprey.Training.Synthetic;
using Osprey.Training.Synthetic.Conversations;
using Osprey.Training.Synthetic.QuestionFamilies;

namespace Osprey.Training.Tests.Synthetic;

public class QuestionMixtureTests
{
    private static readonly SceneOptions Scenes = new() { ImageSize = 64 };

    [Fact]
    public void WeightsSetEachFamilysShare()
    {
        IReadOnlyList<IQuestionFamily> families = [new CategoryFamily(), new ColourFamily(), new YesNoFamily()];
        var samples = new SyntheticDatasetBuilder(Scenes, samplesPerScene: 1, families, weights: [1, 1, 3]).Build(seed: 8, sampleCount: 500);
        var counts = samples.GroupBy(s => s.Family).ToDictionary(g => g.Key, g => g.Count());
        Assert.InRange(counts[QuestionFamily.YesNo], 299, 301);
        Assert.InRange(counts[QuestionFamily.Category], 99, 101);
        Assert.InRange(counts[QuestionFamily.Colour], 99, 101);
    }

    [Fact]
    public void EqualWeightsAndTheBalancedMixtureChangeNothing()
    {
        var plain = new SyntheticDatasetBuilder(Scenes).Build(seed: 12, sampleCount: 120);
        var families = QuestionMixture.Balanced.Apply(SyntheticDatasetBuilder.AllFamilies());
        var mixed = new SyntheticDatasetBuilder(Scenes, families: families, weights: QuestionMixture.Balanced.WeightsOf(families)).Build(seed: 12, sampleCount: 120);
        Assert.Equal(plain.Select(s => s.Conversation), mixed.Select(s => s.Conversation));
        Assert.Equal(plain.Select(s => s.Regions), mixed.Select(s => s.Regions));
    }

    [Theory]
    [InlineData(1.0, 1.0)]
    [InlineData(0.0, 0.0)]
    [InlineData(0.5, 0.5)]
    [InlineData(0.75, 0.75)]
    public void ComparisonLargerShareIsTheShareOfLargerQuestions(double share, double expected)
    {
        var samples = new SyntheticDatasetBuilder(Scenes, families: [new ComparisonFamily(share)]).Build(seed: 3, sampleCount: 400);
        var larger = samples.Count(s => s.Conversation[0].Value.Contains("Which is larger"));
        Assert.Equal(400, larger + samples.Count(s => s.Conversation[0].Value.Contains("Which is smaller")));
        Assert.InRange(larger / 400.0, expected - 0.06, expected + 0.06);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.75)]
    [InlineData(0.0)]
    public void WordTiedOrderPlacesTheAnswerByTheAskedWordAndKeepsAnswersTrue(double tied)
    {
        var samples = new SyntheticDatasetBuilder(Scenes, families: [new ComparisonFamily(0.5, tied)]).Build(seed: 4, sampleCount: 400);
        int followsWord = 0;
        foreach (var s in samples)
        {
            bool askLarger = s.Conversation[0].Value.Contains("Which is larger");
            var (first, second) = (s.Scene.Objects[s.Regions[0].ObjectIndex], s.Scene.Objects[s.Regions[1].ObjectIndex]);
            bool firstIsAnswer = first.Area > second.Area == askLarger;
            Assert.Equal(RegionText.Name(firstIsAnswer ? 1 : 2), s.ExpectedAnswer);
            if (firstIsAnswer == askLarger) followsWord++;
        }
        Assert.InRange(followsWord / 400.0, tied - 0.06, tied + 0.06);
        Assert.InRange(samples.Count(s => s.Conversation[0].Value.Contains("Which is larger")) / 400.0, 0.44, 0.56);
    }

    [Theory]
    [InlineData(0.75, 0.75)]
    [InlineData(0.5, 0.5)]
    public void ConversationComparisonsLeanWithTheRegionNamedFirstAndStayTrue(double largerShare, double tied)
    {
        var builder = new RegionConversationBuilder([new ComparisonFamily(largerShare, tied)]) { MinRegions = 2, Questions = 8 };
        var generator = new SceneGenerator(Scenes);
        int asked = 0, larger = 0, followsWord = 0;
        for (var seed = 0; asked < 600 && seed < 1000; seed++)
        {
            if (builder.Build(generator.Generate(seed, 0), new SeededRandom((ulong)seed + 1)) is not { } sample) continue;
            foreach (var q in sample.Questions)
            {
                var named = System.Text.RegularExpressions.Regex.Matches(q.Question, @"region(\d)").Select(m => int.Parse(m.Groups[1].Value)).ToList();
                var (first, second) = (sample.Scene.Objects[sample.Regions[named[0] - 1].ObjectIndex], sample.Scene.Objects[sample.Regions[named[1] - 1].ObjectIndex]);
                bool askLarger = q.Question.Contains("Which is larger");
                bool firstIsAnswer = first.Area > second.Area == askLarger;
                Assert.Equal(RegionText.Name(named[firstIsAnswer ? 0 : 1]), q.Answer);
                asked++;
                if (askLarger) larger++;
                if (firstIsAnswer == askLarger) followsWord++;
            }
        }
        Assert.True(asked >= 600, $"{asked} comparisons");
        Assert.InRange(larger / (double)asked, largerShare - 0.06, largerShare + 0.06);
        Assert.InRange(followsWord / (double)asked, tied - 0.06, tied + 0.06);
    }

    [Theory]
    [InlineData(1.5, 0.5, "the comparison 'larger' share must be within 0..1, got 1.5")]
    [InlineData(0.5, -0.25, "the comparison word-tied order share must be within 0..1, got -0.25")]
    public void ComparisonLeaningsOutsideZeroToOneAreRefusedWithTheirValue(double largerShare, double tied, string message) =>
        Assert.Equal(message, Assert.Throws<ArgumentException>(() =>
            new QuestionMixture { ComparisonLargerShare = largerShare, ComparisonWordTiedOrder = tied }.Validate()).Message);

    [Fact]
    public void FocusedYesNoQuestionsStayBalancedAndTrue()
    {
        var samples = new SyntheticDatasetBuilder(Scenes, families: [new YesNoFamily(focusShare: 1)]).Build(seed: 5, sampleCount: 300);
        var focus = $"{YesNoFamily.FocusColour.Name}?";
        var focused = samples.Where(s => s.Conversation[0].Value.Contains(focus)).ToList();
        // Scenes without an object of the wanted answer (often: no red one) fall back to an ordinary question.
        Assert.InRange(focused.Count, 150, 300);
        Assert.InRange(focused.Count(s => s.ExpectedAnswer == YesNoFamily.Yes), 30, 250);
        Assert.All(focused, s =>
        {
            var obj = s.Scene.Objects[s.Regions[0].ObjectIndex];
            Assert.Equal(obj.Colour == YesNoFamily.FocusColour ? YesNoFamily.Yes : YesNoFamily.No, s.ExpectedAnswer);
        });
        double yesShare = samples.Count(s => s.ExpectedAnswer == YesNoFamily.Yes) / 300.0;
        Assert.InRange(yesShare, 0.45, 0.55);
    }

    [Fact]
    public void PackedYesNoConversationsAskManyTrueQuestionsWithIndependentAnswers()
    {
        var samples = new SyntheticDatasetBuilder(Scenes, families: [new YesNoFamily(questions: 16)]).Build(seed: 9, sampleCount: 60);
        var answers = new List<string>();
        foreach (var sample in samples)
        {
            Assert.Equal(16, sample.Regions.Count);
            Assert.Equal(32, sample.Conversation.Count);
            for (int q = 0; q < 16; q++)
            {
                var question = sample.Conversation[2 * q].Value;
                var answer = sample.Conversation[2 * q + 1].Value;
                var obj = sample.Scene.Objects[sample.Regions[q].ObjectIndex];
                bool asksTruth = question.Contains($" a {obj.Category.Name()}?") || question.Contains($" {obj.Colour.Name}?");
                Assert.Equal(asksTruth ? YesNoFamily.Yes : YesNoFamily.No, answer);
                answers.Add(answer);
            }
        }
        Assert.InRange(answers.Count(a => a == YesNoFamily.Yes) / (double)answers.Count, 0.45, 0.55);
        // Alternating answers would let a conversation's previous answer predict the next.
        int repeats = answers.Zip(answers.Skip(1)).Count(p => p.First == p.Second);
        Assert.InRange(repeats / (double)(answers.Count - 1), 0.4, 0.6);
    }

    [Theory]
    [InlineData(0.75)]
    [InlineData(0.9)]
    [InlineData(0.25)]
    public void WordTiedYesNoLeansWithTheAskedWordAndStaysTrueAndBalanced(double tied)
    {
        var samples = new SyntheticDatasetBuilder(Scenes, families: [new YesNoFamily(questions: 8, wordTied: tied)]).Build(seed: 21, sampleCount: 150);
        int yes = 0, total = 0, yesLeaningAsked = 0, yesLeaningAnsweredYes = 0;
        var categories = Enum.GetValues<ShapeCategory>();
        foreach (var sample in samples)
        for (int q = 0; q < 8; q++)
        {
            var question = sample.Conversation[2 * q].Value;
            var answer = sample.Conversation[2 * q + 1].Value;
            var obj = sample.Scene.Objects[sample.Regions[q].ObjectIndex];
            int asked = categories.Where(c => question.Contains($" a {c.Name()}?")).Select(c => (int)c)
                .Concat(NamedColour.Palette.Where(c => question.Contains($" {c.Name}?")).Select(c => c.PaletteIndex)).Single();
            bool asksTruth = question.Contains($" a {obj.Category.Name()}?") || question.Contains($" {obj.Colour.Name}?");
            Assert.Equal(asksTruth ? YesNoFamily.Yes : YesNoFamily.No, answer);
            total++;
            if (asksTruth) yes++;
            if (YesNoFamily.LeansYes(asked))
            {
                yesLeaningAsked++;
                if (asksTruth) yesLeaningAnsweredYes++;
            }
        }
        Assert.InRange(yes / (double)total, 0.45, 0.55);
        Assert.InRange(yesLeaningAnsweredYes / (double)yesLeaningAsked, tied - 0.05, tied + 0.05);
    }

    [Theory]
    [InlineData(YesNoKinds.Colour, 0)]
    [InlineData(YesNoKinds.Category, 200)]
    public void YesNoKindsRestrictWhatIsAsked(YesNoKinds kinds, int categoryQuestions)
    {
        var samples = new SyntheticDatasetBuilder(Scenes, families: [new YesNoFamily(kinds: kinds)]).Build(seed: 4, sampleCount: 200);
        Assert.Equal(categoryQuestions, samples.Count(s => s.Conversation[0].Value.Contains("> a ")));
        Assert.InRange(samples.Count(s => s.ExpectedAnswer == YesNoFamily.Yes), 99, 101);
    }

    [Fact]
    public void TheDefaultFamilyAsksAboutBothKinds()
    {
        var samples = new SyntheticDatasetBuilder(Scenes, families: [new YesNoFamily()]).Build(seed: 6, sampleCount: 100);
        Assert.InRange(samples.Count(s => s.Conversation[0].Value.Contains("> a ")), 30, 70);
    }

    [Theory]
    [InlineData("yesno=3,shape=2", "unknown question family 'shape'")]
    [InlineData("yesno", "write FAMILY=WEIGHT")]
    [InlineData("yesno=x", "write FAMILY=WEIGHT")]
    [InlineData("yesno=2,YesNo=3", "given twice")]
    public void MalformedWeightsAreRefusedWithAReason(string text, string reason)
    {
        var error = Assert.Throws<ArgumentException>(() => QuestionMixture.ParseWeights(text));
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void OutOfRangeMixturesAndWeightsOfUntrainedFamiliesAreRefused()
    {
        Assert.Contains("positive", Assert.Throws<ArgumentException>(() =>
            new QuestionMixture { FamilyWeights = QuestionMixture.ParseWeights("yesno=0") }.Validate()).Message);
        Assert.Throws<ArgumentException>(() => new QuestionMixture { ComparisonLargerShare = 1.5 }.Validate());
        Assert.Throws<ArgumentException>(() => new QuestionMixture { ComparisonWordTiedOrder = -0.1 }.Validate());
        Assert.Throws<ArgumentException>(() => new QuestionMixture { YesNoFocusShare = -0.1 }.Validate());
        Assert.Throws<ArgumentException>(() => new QuestionMixture { YesNoWordTied = 1.5 }.Validate());
        Assert.Contains("cannot be combined", Assert.Throws<ArgumentException>(() => new QuestionMixture { YesNoWordTied = 0.75, YesNoFocusShare = 0.5 }.Validate()).Message);
        Assert.Contains("1..", Assert.Throws<ArgumentException>(() => new QuestionMixture { YesNoQuestions = 0 }.Validate()).Message);
        Assert.Throws<ArgumentException>(() => new QuestionMixture { YesNoQuestions = QuestionMixture.MaxYesNoQuestions + 1 }.Validate());
        var mixture = new QuestionMixture { FamilyWeights = QuestionMixture.ParseWeights("comparison=3") };
        Assert.Contains("not trained", Assert.Throws<ArgumentException>(() => mixture.WeightsOf(SyntheticDatasetBuilder.FamiliesNamed("yesno"))).Message);
        Assert.Equal([1.0, 3.0], mixture.WeightsOf(SyntheticDatasetBuilder.FamiliesNamed("yesno,comparison")));
    }
}
