using DescriptionQuestions = Osprey.Engine.Prompting.DescriptionQuestions;
using Osprey.Training.Data;
using Osprey.Training.Synthetic;
using Osprey.Training.Synthetic.Conversations;
using Osprey.Training.Synthetic.QuestionFamilies;

namespace Osprey.Training.Training;

/// <summary>
/// Synthetic training conversations in Osprey's multi-region layout (<see cref="RegionConversationBuilder"/>),
/// one per scene, and among them a share of the demo's single-region description question
/// (<see cref="DescriptionQuestions.Short"/>, the pair inside the question) that <c>/describe</c> serves.
/// Example n is scene n of a seed hashed from the run seed, so training scenes never coincide with an
/// evaluation set built directly from a small seed. Epochs repeat the same examples.
/// </summary>
public sealed class RegionConversationSource : ITrainingSource
{
    private readonly SceneGenerator _generator;
    private readonly RegionConversationBuilder _builder;
    private readonly long _sceneSeed;
    private readonly double _describeShare;

    /// <param name="conversations">Examples per epoch.</param>
    /// <param name="families">Question families to draw from (default: all of them).</param>
    /// <param name="mixture">Family weights and how the questions lean (default: balanced, as evaluation asks them).</param>
    /// <param name="describeShare">Share of examples that are the demo's single-region description question.</param>
    /// <param name="boxShare">Share of conversation regions marked by their filled bounding box (<see cref="RegionConversationBuilder.BoxShare"/>).</param>
    public RegionConversationSource(int conversations, long seed, SceneOptions? sceneOptions = null,
        IReadOnlyList<IQuestionFamily>? families = null, QuestionMixture? mixture = null, double describeShare = 0.1,
        int minRegions = 1, int questions = 0, double boxShare = 0)
    {
        if (conversations < 1) throw new ArgumentOutOfRangeException(nameof(conversations), conversations, "at least one synthetic conversation");
        if (describeShare is < 0 or > 1 || double.IsNaN(describeShare))
            throw new ArgumentOutOfRangeException(nameof(describeShare), describeShare, "a share within 0..1");
        mixture ??= QuestionMixture.Balanced;
        mixture.Validate();
        families = mixture.Apply(families ?? SyntheticDatasetBuilder.AllFamilies());
        var weights = mixture.WeightsOf(families);
        _generator = new SceneGenerator(sceneOptions);
        if (minRegions is < 1 or > RegionConversationBuilder.MaxRegions)
            throw new ArgumentOutOfRangeException(nameof(minRegions), minRegions, $"1..{RegionConversationBuilder.MaxRegions} regions");
        if (questions is < 0 or > RegionConversationBuilder.MaxAskedQuestions)
            throw new ArgumentOutOfRangeException(nameof(questions), questions, $"0 (drawn) or 1..{RegionConversationBuilder.MaxAskedQuestions} questions");
        if (boxShare is < 0 or > 1 || double.IsNaN(boxShare))
            throw new ArgumentOutOfRangeException(nameof(boxShare), boxShare, "a share within 0..1");
        _builder = new RegionConversationBuilder(families, weights) { MinRegions = minRegions, Questions = questions, BoxShare = boxShare };
        _sceneSeed = SyntheticTrainingSource.BlockSeed(seed, -1);
        _describeShare = describeShare;
        Count = conversations;
        Description = $"synthetic region conversations: {Count} per epoch, {sceneOptions ?? new SceneOptions()}, " +
                      $"families {string.Join(",", families.Select((f, i) => weights[i] == 1 ? f.Name : $"{f.Name}={weights[i]:R}"))}, " +
                      $"single-region description share {_describeShare:R}" +
                      (minRegions != 1 ? $", at least {minRegions} regions" : "") +
                      (questions != 0 ? $", {questions} questions each" : "") +
                      (boxShare != 0 ? $", regions as boxes {boxShare:R}" : "") +
                      (families.OfType<YesNoFamily>().FirstOrDefault() is { } yesNo ? YesNoFamily.DescribeAnswerLeanings(yesNo.WordTied, yesNo.Kinds) : "") +
                      (families.OfType<ComparisonFamily>().FirstOrDefault()?.DescribeLeanings() ?? "");
    }

    public string Description { get; }

    public int Count { get; }

    public TrainingExample Get(long sampleNumber)
    {
        var index = (int)(sampleNumber % Count);
        var scene = _generator.Generate(_sceneSeed, index);
        var rng = SeededRandom.Derive(_sceneSeed, index, purpose: 0x636f6e76);
        // With every family at hand a scene always has something to ask; a narrow choice of families may not.
        if (!(rng.Chance(_describeShare) && scene.Objects.Count > 0) && _builder.Build(scene, rng) is { } conversation)
            return TrainingExample.FromSynthetic(conversation);
        var obj = rng.Pick(scene.Objects);
        return TrainingExample.FromSynthetic(new InstructionSample(QuestionFamily.Description, scene, [SceneRegion.Whole(obj.Index)],
            [ConversationTurn.User(DescriptionQuestions.Short), ConversationTurn.Assistant(obj.ShortDescription)]));
    }
}
