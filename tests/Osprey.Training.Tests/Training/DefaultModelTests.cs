using Osprey.Engine;
using Osprey.Engine.Devices;
using Osprey.Engine.Serving;
using Osprey.Training.Evaluation;
using Osprey.Training.Synthetic;
using Osprey.Training.Synthetic.QuestionFamilies;

namespace Osprey.Training.Tests.Training;

/// <summary>
/// The committed default model, held in multi-region conversations exactly as the gateway holds them
/// (<see cref="RegionChat"/>: regions introduced in the first turn, named in any order, questions with
/// and without the short-answer suffix, the model's own answers as history), must keep naming the
/// category and the colour of held-out regions, telling which of two named regions is larger or smaller
/// and whether a region has an asked colour or category, naming the category when asked an unsuffixed
/// "What is regionK?", and must stop doing so when the masks are moved to other objects: such answers
/// exist only if the image, the masks and the region tokens go through the serving path exactly as in
/// training, so a regression anywhere in it fails here.
/// </summary>
public class DefaultModelTests
{
    /// <summary>Never used for training (training scenes are seeded by hashes of the run seed).</summary>
    private const long HeldOutSeed = 2_000_003;

    /// <summary>Accuracy on questions that name region2 or later, where the model before the lookup round was at 16–46 %.</summary>
    private const double LaterRegionBar = 0.8;

    /// <summary>
    /// Bars the shipped model holds (on the 3,000-question held-out set, model README) and the model
    /// before its lookup round, which read region1 whatever K a question named, does not (73–78 %, and
    /// 16–46 % on region2 and later); for comparison and yes/no, bars the model before its
    /// sixteen-question rounds (70.1 % and 69.8 %, colour yes/no at chance) does not hold either.
    /// </summary>
    [Theory]
    [InlineData(QuestionFamily.Category, QuestionFamily.Category, 30, 0.85)]
    [InlineData(QuestionFamily.Colour, QuestionFamily.Colour, 30, 0.9)]
    [InlineData(QuestionFamily.Description, QuestionFamily.WhatIsNamesCategory, 80, 0.85)]
    [InlineData(QuestionFamily.Comparison, QuestionFamily.Comparison, 30, 0.8)]
    [InlineData(QuestionFamily.YesNo, QuestionFamily.YesNo, 30, 0.85)]
    public async Task AnswersHeldOutConversationsAboutTheirRegionsFromTheirMasks(string family, string scored, int count, double bar)
    {
        var conversations = ServedConversationSource.Synthetic(new SceneOptions { ImageSize = 128 }, HeldOutSeed, count,
            SyntheticDatasetBuilder.FamiliesNamed(family)).ToList();
        using var serving = ServingEngine.Start(OspreyEngine.Load(RepositoryPaths.DefaultModel, EngineOptions.Cpu32), new ServingOptions());
        var served = await new ServedEvaluation(serving).RunAsync(conversations);
        var report = served.Conversation;
        // Every scored conversation question is counted once under the region it names.
        Assert.Equal(report.Families[family].N, served.ConversationByRegion[family].Values.Sum(s => s.N));

        var score = report.Families[scored];
        Assert.True(score.N >= 30, $"only {score.N} {scored} questions");
        Console.WriteLine($"{scored}: {score.Accuracy:P1} (n = {score.N}), swapped {report.Swapped[scored].Accuracy:P1}");
        Assert.True(score.Accuracy >= bar, $"held-out {scored} accuracy in conversations {score.Accuracy:P0} (n = {score.N})");
        // Told apart: questions naming region2 or later are answered as well as those naming region1 (the
        // model before the lookup round read region1 whatever K was: 38–46 % on region2, 16–25 % on region3).
        var later = served.ConversationByRegion[family].Where(r => r.Key > 1).Select(r => r.Value).ToList();
        var laterN = later.Sum(s => s.N);
        var laterAccuracy = later.Sum(s => s.Accuracy * s.N) / laterN;
        Assert.True(laterN >= 10, $"only {laterN} {family} questions name region2 or later");
        Assert.True(laterAccuracy >= LaterRegionBar, $"{family} questions naming region2 or later: {laterAccuracy:P0} (n = {laterN})");
        var swapped = report.Swapped[scored];
        Assert.True(swapped.N >= 20, $"only {swapped.N} questions about multi-object scenes");
        Assert.True(swapped.Accuracy <= Math.Max(0.5, swapped.Chance + 0.2),
            $"with the masks on other objects the {scored} accuracy is still {swapped.Accuracy:P0} (chance {swapped.Chance:P0})");
    }
}
