using Osprey.Engine.Generation;
using Osprey.Engine.Prompting;

namespace Osprey.Engine.Serving;

/// <summary>
/// A region conversation held in process (command line, evaluation, tests): the same prompts and the
/// same serving path as a conversation grain, its history kept in memory instead of grain storage.
/// Each turn's prompt extends the last one, so the engine finds the earlier turns cached by content.
/// </summary>
public sealed class RegionChat(ServingEngine engine, ImageSource image, RegionMaskSet regions)
{
    private readonly List<(string UserText, IReadOnlyList<int> AnswerIds)> _history = [];

    public int RegionCount => regions.Count;

    /// <summary>Asks the next question (regions written <c>&lt;regionK&gt;</c>) and records its answer.</summary>
    /// <exception cref="InvalidUserTextException">The text is empty, holds a control token or names a region that does not exist.</exception>
    public async Task<SequenceOutcome> Ask(string userText, SamplingParams sampling, Action<string>? onText = null, CancellationToken cancellationToken = default)
    {
        var prompt = ChatPrompt.Conversation(engine.Tokenizer, regions.Count, _history, userText);
        var outcome = await engine.Complete(SequenceRequest.For(image, prompt, regions, sampling), onText, cancellationToken).ConfigureAwait(false);
        _history.Add((userText, outcome.GeneratedIds));
        return outcome;
    }
}
