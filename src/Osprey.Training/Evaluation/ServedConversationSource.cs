using System.Text.RegularExpressions;
using Osprey.Engine.Imaging;
using Osprey.Engine.Prompting;
using Osprey.Engine.Regions;
using Osprey.Training.Data;
using Osprey.Training.Synthetic;
using Osprey.Training.Synthetic.Conversations;
using Osprey.Training.Synthetic.QuestionFamilies;

namespace Osprey.Training.Evaluation;

/// <summary>
/// Turns synthetic samples into <see cref="ServedConversation"/>s, written as users write them to the
/// gateway (<c>&lt;regionK&gt;</c>). In scenes with two or more objects the swapped masks move every region
/// to the next object in drawing order (cyclically), whole-object mask.
/// </summary>
public static partial class ServedConversationSource
{
    [GeneratedRegex(@"\bregion(\d+)(<mask><pos>)?", RegexOptions.CultureInvariant)]
    private static partial Regex RegionName();

    /// <summary>A region conversation (<see cref="RegionLayout.Introduced"/>): every turn scored.</summary>
    public static ServedConversation FromConversation(InstructionSample sample)
    {
        if (sample.Layout != RegionLayout.Introduced || sample.Questions.Count * 2 != sample.Conversation.Count)
            throw new ArgumentException("a region conversation with its questions is needed", nameof(sample));
        var turns = sample.Questions.Select(q => new ServedTurn(q.Family, AsUserText(q.Question), q.Answer, NamedCategory: q.NamedCategory)).ToList();
        return Build(ServedConversation.ConversationTable, sample, turns, demoDescription: false);
    }

    /// <summary>
    /// A per-question sample asked as a user would ask it alone: its turns in one conversation whose
    /// regions the first turn introduces, the last turn scored (earlier ones, multi-turn context, are
    /// answered by the model); a description question as <c>/describe</c> asks it.
    /// </summary>
    public static ServedConversation FromSingleQuestion(InstructionSample sample)
    {
        if (sample.Layout != RegionLayout.Inline) throw new ArgumentException("a per-question sample is needed", nameof(sample));
        if (sample.Family == QuestionFamily.Description)
            return Build(ServedConversation.SingleTable, sample, [new ServedTurn(sample.Family, DescriptionQuestions.Short, sample.ExpectedAnswer)], demoDescription: true);
        var turns = new List<ServedTurn>();
        for (int i = 0; i < sample.Conversation.Count; i += 2)
            turns.Add(new ServedTurn(sample.Family, AsUserText(sample.Conversation[i].Value), sample.Conversation[i + 1].Value,
                Scored: i == sample.Conversation.Count - 2));
        return Build(ServedConversation.SingleTable, sample, turns, demoDescription: false);
    }

    /// <summary>
    /// <paramref name="count"/> scenes of the seed, conversation i about scene i, its regions, questions
    /// and suffixes drawn from a generator derived from (seed, i) for this purpose alone; a scene whose
    /// regions give the families nothing to ask is left out. With <paramref name="regionsAsBoxes"/> the same
    /// conversations mark their regions by boxes (<see cref="InstructionSample.WithRegionsAsBoxes"/>).
    /// </summary>
    public static IEnumerable<ServedConversation> Synthetic(SceneOptions sceneOptions, long seed, int count, IReadOnlyList<IQuestionFamily>? families = null,
        bool regionsAsBoxes = false)
    {
        var generator = new SceneGenerator(sceneOptions);
        var builder = new RegionConversationBuilder(families ?? SyntheticDatasetBuilder.AllFamilies());
        for (int i = 0; i < count; i++)
            if (builder.Build(generator.Generate(seed, i), SeededRandom.Derive(seed, i, purpose: 0x6576616c)) is { } sample)
                yield return FromConversation(regionsAsBoxes ? sample.WithRegionsAsBoxes() : sample);
    }

    /// <summary><c>regionK</c> (or an inline <c>regionK&lt;mask&gt;&lt;pos&gt;</c>) as users write it: <c>&lt;regionK&gt;</c>.</summary>
    public static string AsUserText(string question) => RegionName().Replace(question, m => $"<region{m.Groups[1].Value}>");

    private static ServedConversation Build(string table, InstructionSample sample, IReadOnlyList<ServedTurn> turns, bool demoDescription)
    {
        var scene = sample.Scene;
        var image = new RgbImage(scene.Width, scene.Height, scene.Pixels);
        var (regions, swapped) = EvalSampleSource.MasksOf(sample);
        return new ServedConversation(table, image, regions, turns, demoDescription) { SwappedRegions = swapped };
    }
}
