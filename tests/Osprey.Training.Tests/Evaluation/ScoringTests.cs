using System.Text.Json;
using Osprey.Training.Evaluation;

namespace Osprey.Training.Tests.Evaluation;

public class ScoringTests
{
    [Theory]
    [InlineData("A small red triangle.", "small red triangle")]
    [InlineData("  The TOP-left ", "top left")]
    [InlineData("Yes!", "yes")]
    [InlineData("an orange star", "orange star")]
    public void NormalisationIgnoresCasePunctuationAndArticles(string raw, string normalised)
    {
        Assert.Equal(normalised, AnswerNormalizer.Normalize(raw));
    }

    [Fact]
    public void ExactMatchIsOnNormalisedText()
    {
        Assert.True(AnswerNormalizer.Matches("Triangle.", "triangle"));
        Assert.True(AnswerNormalizer.Matches("the region1", "region1"));
        Assert.False(AnswerNormalizer.Matches("triangles", "triangle"));
        Assert.False(AnswerNormalizer.Matches("red triangle", "triangle"));
    }

    [Theory]
    // {small, red, triangle} vs itself.
    [InlineData("A small red triangle.", "a small red triangle", 1.0)]
    // {red, circle} ∩ {small, red, triangle} = {red}; union has 4 words.
    [InlineData("red circle", "a small red triangle", 0.25)]
    // {large, blue, house} vs {small, blue, house}: 2 shared of 4.
    [InlineData("the large blue house", "a small blue house", 0.5)]
    [InlineData("star", "triangle", 0.0)]
    // Repeated words count once: {red} vs {red, ring}.
    [InlineData("red red", "red ring", 0.5)]
    [InlineData("", "", 1.0)]
    [InlineData("", "ring", 0.0)]
    public void SemanticIoUIsWordSetIoU(string prediction, string expected, double iou)
    {
        Assert.Equal(iou, SemanticIoU.Compute(prediction, expected), 12);
    }

    [Fact]
    public void TallyComputesPerFamilyAccuracyIoUAndChance()
    {
        var tally = new EvaluationTally();
        tally.Add("category", "triangle", "Triangle");       // right, IoU 1
        tally.Add("category", "circle", "ring");             // wrong, IoU 0
        tally.Add("category", "star", "a star.");            // right, IoU 1
        tally.Add("category", "ring", "circle");             // wrong, IoU 0
        tally.Add("description", "a small red triangle", "a small red star"); // wrong, IoU 2/4
        tally.Add("description", "a large blue house", "large blue house");   // right, IoU 1
        tally.AddSwapped("category", "triangle", "star");
        tally.AddSwapped("category", "circle", "circle");
        tally.AddSwapped("category", "star", "ring");

        var report = tally.ToReport();
        Assert.Equal(new FamilyScore(0.5, 0.5, 4), report.Families["category"]);
        Assert.Equal(new FamilyScore(0.5, 0.75, 2), report.Families["description"]);
        // Four distinct category answers were expected: triangle, circle, star, ring.
        var swapped = report.Swapped["category"];
        Assert.Equal(1.0 / 3, swapped.Accuracy, 12);
        Assert.Equal(0.25, swapped.Chance, 12);
        Assert.Equal(3, swapped.N);
        Assert.False(report.Swapped.ContainsKey("description"));
    }

    [Fact]
    public void ReportSerialisesToTheDocumentedShapeAndBack()
    {
        var tally = new EvaluationTally();
        tally.Add("colour", "red", "red");
        tally.Add("colour", "blue", "green");
        tally.Add("category", "star", "star");
        tally.AddSwapped("colour", "red", "blue");
        var report = tally.ToReport();

        string json = report.ToJson();
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        Assert.Equal(new[] { "families", "swapped" }, root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(new[] { "category", "colour" }, root.GetProperty("families").EnumerateObject().Select(p => p.Name));
        var colour = root.GetProperty("families").GetProperty("colour");
        Assert.Equal(new[] { "accuracy", "semanticIoU", "n" }, colour.EnumerateObject().Select(p => p.Name));
        Assert.Equal(0.5, colour.GetProperty("accuracy").GetDouble());
        Assert.Equal(2, colour.GetProperty("n").GetInt32());
        var swapped = root.GetProperty("swapped").GetProperty("colour");
        Assert.Equal(new[] { "accuracy", "chance", "n" }, swapped.EnumerateObject().Select(p => p.Name));
        Assert.Equal(0.0, swapped.GetProperty("accuracy").GetDouble());
        Assert.Equal(0.5, swapped.GetProperty("chance").GetDouble());

        var back = EvaluationReport.FromJson(json);
        Assert.Equal(report.Families, back.Families);
        Assert.Equal(report.Swapped, back.Swapped);
    }
}
