using Osprey.Engine.Generation;
using Osprey.Engine.Prompting;
using Osprey.Engine.Serving;

namespace Osprey.Training.Evaluation;

/// <summary>
/// Holds <see cref="ServedConversation"/>s with a model exactly as the gateway does: one
/// <see cref="RegionChat"/> per conversation (the same prompt ids, KV cache carried between turns, the
/// model's own greedy answers as history), or the demo's description prompt for <c>/describe</c>.
/// Conversations with swapped masks are held a second time with those masks and scored against the
/// original answers.
/// </summary>
public sealed class ServedEvaluation(ServingEngine serving, int maxNewTokens = 16)
{
    private int _images;

    /// <param name="progress">Receives the number of conversations finished so far.</param>
    /// <param name="answered">Receives every scored question with the model's answers, in order.</param>
    public async Task<ServedEvaluationReport> RunAsync(IEnumerable<ServedConversation> conversations, IProgress<int>? progress = null,
        Action<AnsweredQuestion>? answered = null, CancellationToken cancellationToken = default)
    {
        var tallies = new Dictionary<string, EvaluationTally>
        {
            [ServedConversation.ConversationTable] = new(),
            [ServedConversation.SingleTable] = new(),
        };
        var byTurn = new Dictionary<(string Family, int Turn), (int Correct, double IoU, int N)>();
        var byRegion = new Dictionary<(string Family, int Region), (int Correct, double IoU, int N)>();
        int done = 0;
        foreach (var conversation in conversations)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var tally = tallies[conversation.Table];
            var image = ImageSource.FromPixels($"eval-{Interlocked.Increment(ref _images)}", conversation.Image);
            var answers = await Hold(conversation, image, conversation.Regions, cancellationToken).ConfigureAwait(false);
            IReadOnlyList<string>? swappedAnswers = conversation.SwappedRegions is { } swapped
                ? await Hold(conversation, image, swapped, cancellationToken).ConfigureAwait(false)
                : null;
            for (int t = 0; t < conversation.Turns.Count; t++)
            {
                var turn = conversation.Turns[t];
                if (!turn.Scored) continue;
                bool correct = tally.Add(turn.Family, turn.Expected, answers[t]);
                if (swappedAnswers is not null) tally.AddSwapped(turn.Family, turn.Expected, swappedAnswers[t]);
                if (turn.NamedCategory is { } category)
                {
                    tally.AddNamesWord(ServedEvaluationReport.WhatIsNamesCategory, category, answers[t]);
                    if (swappedAnswers is not null) tally.AddSwappedNamesWord(ServedEvaluationReport.WhatIsNamesCategory, category, swappedAnswers[t]);
                }
                if (conversation.Table == ServedConversation.ConversationTable)
                {
                    var (c, iou, n) = byTurn.GetValueOrDefault((turn.Family, t + 1));
                    var semantic = SemanticIoU.Compute(answers[t], turn.Expected);
                    byTurn[(turn.Family, t + 1)] = (c + (correct ? 1 : 0), iou + semantic, n + 1);
                    // A follow-up naming no region ("What colour is it?") counts under 0.
                    var region = RegionMentions.FirstMentioned(turn.Question) ?? 0;
                    var (rc, riou, rn) = byRegion.GetValueOrDefault((turn.Family, region));
                    byRegion[(turn.Family, region)] = (rc + (correct ? 1 : 0), riou + semantic, rn + 1);
                }
                answered?.Invoke(new AnsweredQuestion(turn.Family, turn.Question, turn.Expected, answers[t], correct)
                    { SwappedAnswer = swappedAnswers?[t], Table = conversation.Table, Turn = t + 1 });
            }
            progress?.Report(++done);
        }
        return new ServedEvaluationReport(tallies[ServedConversation.ConversationTable].ToReport(), ByFamily(byTurn), tallies[ServedConversation.SingleTable].ToReport())
        {
            ConversationByRegion = ByFamily(byRegion),
        };
    }

    private static IReadOnlyDictionary<string, IReadOnlyDictionary<int, FamilyScore>> ByFamily(
        Dictionary<(string Family, int Key), (int Correct, double IoU, int N)> counts) =>
        counts.GroupBy(e => e.Key.Family).ToDictionary(
            g => g.Key,
            g => (IReadOnlyDictionary<int, FamilyScore>)g.ToDictionary(e => e.Key.Key, e => new FamilyScore((double)e.Value.Correct / e.Value.N, e.Value.IoU / e.Value.N, e.Value.N)));

    private async Task<IReadOnlyList<string>> Hold(ServedConversation conversation, ImageSource image,
        IReadOnlyList<Osprey.Engine.Regions.RegionMask> masks, CancellationToken cancellationToken)
    {
        var regions = new RegionMaskSet(conversation.Image.Width, conversation.Image.Height, [.. masks.Select(m => m.Data)]);
        var sampling = SamplingParams.Greedy with { MaxNewTokens = maxNewTokens };
        if (conversation.DemoDescription)
        {
            var prompt = ChatPrompt.SingleRegion(serving.Tokenizer, conversation.Turns[0].Question);
            var outcome = await serving.Complete(SequenceRequest.For(image, prompt, regions, sampling), cancellationToken: cancellationToken).ConfigureAwait(false);
            return [outcome.Text.Trim()];
        }
        var chat = new RegionChat(serving, image, regions);
        var answers = new List<string>(conversation.Turns.Count);
        foreach (var turn in conversation.Turns)
            answers.Add((await chat.Ask(turn.Question, sampling, cancellationToken: cancellationToken).ConfigureAwait(false)).Text.Trim());
        return answers;
    }
}
