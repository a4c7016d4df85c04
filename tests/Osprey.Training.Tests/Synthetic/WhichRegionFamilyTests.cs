using System.Text.RegularExpressions;
using Osprey.Training.Synthetic;
using Osprey.Training.Synthetic.Conversations;
using Osprey.Training.Synthetic.QuestionFamilies;

namespace Osprey.Training.Tests.Synthetic;

public class WhichRegionFamilyTests
{
    [Fact]
    public void Per_question_the_answer_is_the_one_listed_region_of_the_asked_colour_and_category()
    {
        var samples = new SyntheticDatasetBuilder(new SceneOptions { ImageSize = 96 }, families: [new WhichRegionFamily()]).Build(41, 120);
        Assert.Equal(120, samples.Count);
        foreach (var s in samples)
        {
            var objects = s.Regions.Select(r => s.Scene.Objects[r.ObjectIndex]).ToList();
            Assert.InRange(objects.Count, 2, WhichRegionFamily.MaxRegions);
            string question = s.Conversation[^2].Value;
            Assert.Equal(objects.Count, Regex.Matches(question, Regex.Escape(RegionText.Placeholder)).Count);
            var asked = Regex.Match(question, @"is the (\w+) (\w+)\?").Groups;
            var matching = Enumerable.Range(1, objects.Count)
                .Where(k => objects[k - 1].Colour.Name == asked[1].Value && objects[k - 1].Category.Name() == asked[2].Value).ToList();
            Assert.Equal([s.ExpectedAnswer], matching.Select(k => $"region{k}"));
        }
        // Every listed place is an answer sometimes: the answer is not tied to the order of mention.
        Assert.Equal(WhichRegionFamily.MaxRegions, samples.Select(s => s.ExpectedAnswer).Distinct().Count());
    }

    [Fact]
    public void In_conversations_it_names_the_region_the_user_numbered_and_is_asked_only_among_several()
    {
        var generator = new SceneGenerator(new SceneOptions { ImageSize = 96 });
        var builder = new RegionConversationBuilder([new WhichRegionFamily(), new ColourFamily()]);
        var asked = 0;
        for (var i = 0; i < 200; i++)
        {
            if (builder.Build(generator.Generate(43, i), SeededRandom.Derive(43, i, purpose: 5)) is not { } sample) continue;
            foreach (var q in sample.Questions.Where(q => q.Family == QuestionFamily.WhichRegion))
            {
                asked++;
                Assert.True(sample.Regions.Count(r => r.PartName is null) >= 2);
                var described = Regex.Match(q.Question, @"^Which region is the (\w+) (\w+)\?").Groups;
                var matching = Enumerable.Range(1, sample.Regions.Count).Where(k => sample.Regions[k - 1].PartName is null
                    && sample.Scene.Objects[sample.Regions[k - 1].ObjectIndex] is var o
                    && o.Colour.Name == described[1].Value && o.Category.Name() == described[2].Value).ToList();
                Assert.Equal([q.Answer], matching.Select(k => $"region{k}"));
            }
        }
        Assert.True(asked > 50, $"{asked} questions");
    }

    [Fact]
    public void It_is_outside_the_default_mixture_and_chosen_by_name()
    {
        Assert.DoesNotContain(SyntheticDatasetBuilder.AllFamilies(), f => f is WhichRegionFamily);
        Assert.Contains(SyntheticDatasetBuilder.FamiliesNamed("colour,which"), f => f is WhichRegionFamily);
    }
}
