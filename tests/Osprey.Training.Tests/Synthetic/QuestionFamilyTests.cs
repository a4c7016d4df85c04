using System.Text.RegularExpressions;
using Osprey.Training.Synthetic;
using Osprey.Training.Synthetic.QuestionFamilies;

namespace Osprey.Training.Tests.Synthetic;

public class QuestionFamilyTests
{
    private static readonly SyntheticDatasetBuilder Builder = new(new SceneOptions { ImageSize = 96 });
    private static readonly IReadOnlyList<InstructionSample> Samples = Builder.Build(seed: 21, sampleCount: 400);

    [Fact]
    public void SameSeedGivesIdenticalSamplesAndDifferentSeedDoesNot()
    {
        var again = new SyntheticDatasetBuilder(new SceneOptions { ImageSize = 96 }).Build(seed: 21, sampleCount: 60);
        for (int i = 0; i < again.Count; i++)
        {
            Assert.Equal(Samples[i].Family, again[i].Family);
            Assert.Equal(Samples[i].Conversation, again[i].Conversation);
            Assert.Equal(Samples[i].Regions, again[i].Regions);
            Assert.Equal(Samples[i].Scene.Pixels, again[i].Scene.Pixels);
        }
        var other = Builder.Build(seed: 22, sampleCount: 60);
        Assert.NotEqual(Samples.Take(60).Select(s => s.Conversation[0].Value), other.Select(s => s.Conversation[0].Value));
    }

    [Fact]
    public void FamiliesAreBalanced()
    {
        var counts = Samples.GroupBy(s => s.Family).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(Builder.Families.Count, counts.Count);
        Assert.True(counts.Values.Max() - counts.Values.Min() <= 4, string.Join(", ", counts));
    }

    [Fact]
    public void YesNoAnswersAreBalancedWithinFivePercent()
    {
        var yesNo = new SyntheticDatasetBuilder(new SceneOptions { ImageSize = 64 }, families: [new YesNoFamily()]).Build(5, 300);
        double yesShare = yesNo.Count(s => s.ExpectedAnswer == YesNoFamily.Yes) / (double)yesNo.Count;
        Assert.InRange(yesShare, 0.45, 0.55);
        Assert.All(yesNo, s => Assert.Contains(s.ExpectedAnswer, new[] { YesNoFamily.Yes, YesNoFamily.No }));
    }

    [Fact]
    public void PlaceholdersMatchRegionsAndShortFormSuffixIsUsed()
    {
        foreach (var s in Samples)
        {
            int placeholders = s.Conversation.Where(t => t.From == "human")
                .Sum(t => Regex.Matches(t.Value, Regex.Escape(RegionText.Placeholder)).Count);
            Assert.Equal(s.Regions.Count, placeholders);
            Assert.Equal("gpt", s.Conversation[^1].From);
            if (s.Family != QuestionFamily.Description)
                Assert.EndsWith(RegionText.ShortAnswerSuffix, s.Conversation[^2].Value);
        }
    }

    [Fact]
    public void AnswersAgreeWithGroundTruthRecomputedFromMasks()
    {
        foreach (var s in Samples)
        {
            var scene = s.Scene;
            var objects = s.Regions.Select(r => scene.Objects[r.ObjectIndex]).ToList();
            string question = s.Conversation[^2].Value;
            switch (s.Family)
            {
                case QuestionFamily.Position:
                    Assert.Equal(PositionOf(scene.MaskOf(s.Regions[0]), scene.Width, scene.Height), s.ExpectedAnswer);
                    break;
                case QuestionFamily.Size:
                    Assert.Equal(SizeOf(scene.MaskOf(s.Regions[0]), scene.Width, scene.Height), s.ExpectedAnswer);
                    break;
                case QuestionFamily.Comparison:
                {
                    int a1 = scene.MaskOf(s.Regions[0]).Count(v => v == 1), a2 = scene.MaskOf(s.Regions[1]).Count(v => v == 1);
                    bool larger = question.Contains("larger");
                    Assert.True(Math.Max(a1, a2) >= 1.25 * Math.Min(a1, a2));
                    Assert.Equal((a1 > a2) == larger ? "region1" : "region2", s.ExpectedAnswer);
                    break;
                }
                case QuestionFamily.Counting:
                {
                    var colour = NamedColour.Palette.FirstOrDefault(c => question.Contains($" {c.Name} "));
                    int expected = scene.Objects.Count(o => colour is null || o.Colour == colour);
                    Assert.Equal(expected.ToString(), s.ExpectedAnswer);
                    break;
                }
                case QuestionFamily.Category:
                    Assert.Equal(objects[0].Category.Name(), s.ExpectedAnswer);
                    break;
                case QuestionFamily.Colour:
                    Assert.Equal(objects[0].Colour.Name, s.ExpectedAnswer);
                    break;
                case QuestionFamily.Description:
                    Assert.Equal($"a {SizeOf(objects[0].Mask, scene.Width, scene.Height)} {objects[0].Colour.Name} {objects[0].Category.Name()}", s.ExpectedAnswer);
                    break;
                case QuestionFamily.Part:
                    Assert.Contains(s.ExpectedAnswer, objects[0].Category.PartNames());
                    Assert.Equal(s.Regions[0].PartName, s.ExpectedAnswer);
                    break;
                case QuestionFamily.MultiTurn:
                    Assert.Equal(6, s.Conversation.Count);
                    Assert.Equal(objects[0].Category.Name(), s.Conversation[1].Value);
                    foreach (int t in new[] { 3, 5 })
                    {
                        string q = s.Conversation[t - 1].Value, a = s.Conversation[t].Value;
                        string expected = q.Contains("colour") ? objects[0].Colour.Name
                            : q.Contains("Where") ? PositionOf(objects[0].Mask, scene.Width, scene.Height)
                            : SizeOf(objects[0].Mask, scene.Width, scene.Height);
                        Assert.Equal(expected, a);
                    }
                    break;
                case QuestionFamily.YesNo:
                {
                    var obj = objects[0];
                    var asked = Regex.Match(question, @"<pos> (?:a )?(\w+)\?").Groups[1].Value;
                    bool truth = asked == obj.Category.Name() || asked == obj.Colour.Name;
                    Assert.Equal(truth ? "Yes" : "No", s.ExpectedAnswer);
                    break;
                }
                default:
                    Assert.Fail($"unchecked family {s.Family}");
                    break;
            }
        }
    }

    [Fact]
    public void YesNoNegativesAreHard()
    {
        var yesNo = new SyntheticDatasetBuilder(new SceneOptions { ImageSize = 64 }, families: [new YesNoFamily()]).Build(9, 200);
        int spatial = 0;
        foreach (var s in yesNo.Where(s => s.ExpectedAnswer == YesNoFamily.No))
        {
            var obj = s.Scene.Objects[s.Regions[0].ObjectIndex];
            string asked = Regex.Match(s.Conversation[0].Value, @"<pos> (?:a )?(\w+)\?").Groups[1].Value;
            bool lookAlike = obj.Category.LookAlikes().Any(c => c.Name() == asked) || obj.Colour.LookAlikes().Any(c => c.Name == asked);
            bool inScene = s.Scene.Objects.Any(o => o.Index != obj.Index && (o.Category.Name() == asked || o.Colour.Name == asked));
            Assert.True(lookAlike || inScene, $"negative '{asked}' for {obj.ShortDescription} is neither a look-alike nor a nearby object");
            if (inScene && !lookAlike) spatial++;
        }
        Assert.True(spatial > 0);
    }

    private static string PositionOf(byte[] mask, int width, int height)
    {
        double sx = 0, sy = 0;
        int n = 0;
        for (int k = 0; k < mask.Length; k++)
            if (mask[k] == 1) { sx += k % width + 0.5; sy += k / width + 0.5; n++; }
        string h = (sx / n) < width / 3.0 ? "left" : (sx / n) < 2 * width / 3.0 ? "" : "right";
        string v = (sy / n) < height / 3.0 ? "top" : (sy / n) < 2 * height / 3.0 ? "" : "bottom";
        string label = (v + " " + h).Trim();
        return label == "" ? "centre" : label;
    }

    private static string SizeOf(byte[] mask, int width, int height)
    {
        int minX = int.MaxValue, maxX = -1, minY = int.MaxValue, maxY = -1;
        for (int k = 0; k < mask.Length; k++)
        {
            if (mask[k] == 0) continue;
            minX = Math.Min(minX, k % width); maxX = Math.Max(maxX, k % width);
            minY = Math.Min(minY, k / width); maxY = Math.Max(maxY, k / width);
        }
        double extent = Math.Max(maxX - minX + 1, maxY - minY + 1) / (double)width;
        return extent < 0.22 ? "small" : extent < 0.345 ? "medium" : "large";
    }
}
