using Osprey.Engine.Imaging;
using Osprey.Training.Data;
using Osprey.Training.Evaluation;
using Osprey.Training.Synthetic;
using Osprey.Training.Synthetic.QuestionFamilies;

namespace Osprey.Training.Tests.Evaluation;

public class HarnessTests
{
    private static EvalSample Sample(string family, string expected, byte fill)
    {
        var image = new RgbImage(2, 2, new byte[12]);
        var mask = RegionMaskCodec.FromBinary(2, 2, [fill, 0, 0, 0]);
        var other = RegionMaskCodec.FromBinary(2, 2, [0, 0, 0, 1]);
        return new EvalSample(family, image, [mask], [], "What is region1<mask><pos>?", expected) { SwappedRegions = [other] };
    }

    [Fact]
    public async Task ScoresOriginalAndSwappedAnswersFromTheInjectedModel()
    {
        var samples = new[] { Sample("colour", "red", 1), Sample("colour", "blue", 1), Sample("colour", "green", 1), Sample("colour", "red", 1) };
        // A hand-made "model": answers by the mask it is given, like a model that reads the mask would.
        var seen = new List<(string Expected, bool Swapped)>();
        var harness = new EvaluationHarness((s, _) =>
        {
            bool swapped = RegionMaskCodec.ToBinary(s.Regions[0])[3] == 1;
            seen.Add((s.ExpectedAnswer, swapped));
            return Task.FromResult(swapped ? "purple" : s.ExpectedAnswer == "green" ? "Yellow." : $"The {s.ExpectedAnswer.ToUpperInvariant()}!");
        });

        var report = await harness.RunAsync(samples);

        Assert.Equal(8, seen.Count);
        Assert.Equal(4, seen.Count(s => s.Swapped));
        Assert.Equal(new FamilyScore(0.75, 0.75, 4), report.Families["colour"]);
        Assert.Equal(new SwappedScore(0.0, 1.0 / 3, 4), report.Swapped["colour"]);
    }

    [Fact]
    public async Task ReportsEveryQuestionWithItsAnswersInOrder()
    {
        var samples = new[] { Sample("colour", "red", 1), Sample("category", "circle", 1) with { SwappedRegions = null } };
        var harness = new EvaluationHarness((s, _) =>
            Task.FromResult(RegionMaskCodec.ToBinary(s.Regions[0])[3] == 1 ? "blue" : s.Family == "colour" ? "Red." : "square"));
        var log = new List<AnsweredQuestion>();

        await harness.RunAsync(samples, answered: log.Add);

        Assert.Equal(2, log.Count);
        Assert.Equal(new AnsweredQuestion("colour", "What is region1<mask><pos>?", "red", "Red.", true) { SwappedAnswer = "blue" }, log[0]);
        Assert.Equal(new AnsweredQuestion("category", "What is region1<mask><pos>?", "circle", "square", false), log[1]);
        Assert.Equal("""{"family":"category","question":"What is region1<mask><pos>?","expected":"circle","answer":"square","correct":false}""",
            log[1].ToJsonLine());
        Assert.Contains("\"swappedAnswer\":\"blue\"", log[0].ToJsonLine());
    }

    [Fact]
    public async Task SyntheticSamplesCarrySwappedMasksOfAnotherObject()
    {
        var samples = new SyntheticDatasetBuilder(new SceneOptions { ImageSize = 64 }, families: [new ColourFamily()]).Build(4, 30);
        var eval = samples.Select(EvalSampleSource.FromSynthetic).ToList();
        foreach (var (sample, e) in samples.Zip(eval))
        {
            Assert.Equal(sample.Scene.MaskOf(sample.Regions[0]), RegionMaskCodec.ToBinary(e.Regions[0]));
            Assert.Equal(sample.ExpectedAnswer, e.ExpectedAnswer);
            Assert.Empty(e.Context);
            if (sample.Scene.Objects.Count == 1) { Assert.Null(e.SwappedRegions); continue; }
            int partner = (sample.Regions[0].ObjectIndex + 1) % sample.Scene.Objects.Count;
            Assert.Equal(sample.Scene.Objects[partner].Mask, RegionMaskCodec.ToBinary(e.SwappedRegions![0]));
        }

        // Ground truth read from whichever object's mask is given: the original score is perfect and the
        // swapped score is the rate at which the partner happens to share the colour.
        var lookup = samples.SelectMany(s => s.Scene.Objects).ToList();
        var harness = new EvaluationHarness((s, _) =>
        {
            var mask = RegionMaskCodec.ToBinary(s.Regions[0]);
            return Task.FromResult(lookup.First(o => o.Mask.AsSpan().SequenceEqual(mask)).Colour.Name);
        });
        var report = await harness.RunAsync(eval);
        Assert.Equal(1.0, report.Families[QuestionFamily.Colour].Accuracy);
        int swappable = eval.Count(e => e.SwappedRegions is not null);
        int same = samples.Count(s => s.Scene.Objects.Count > 1
            && s.Scene.Objects[(s.Regions[0].ObjectIndex + 1) % s.Scene.Objects.Count].Colour.Name == s.ExpectedAnswer);
        Assert.Equal(swappable, report.Swapped[QuestionFamily.Colour].N);
        Assert.Equal((double)same / swappable, report.Swapped[QuestionFamily.Colour].Accuracy, 12);
    }

    [Fact]
    public async Task MultiTurnSamplesKeepEarlierTurnsAsContext()
    {
        var sample = new SyntheticDatasetBuilder(new SceneOptions { ImageSize = 64 }, families: [new MultiTurnFamily()]).Build(2, 1)[0];
        var e = EvalSampleSource.FromSynthetic(sample);
        Assert.Equal(4, e.Context.Count);
        Assert.Equal(sample.Conversation[4].Value, e.Question);
        Assert.Equal(sample.Conversation[5].Value, e.ExpectedAnswer);
        Assert.Contains("<mask><pos>", e.Context[0].Value);
        await Task.CompletedTask;
    }
}
