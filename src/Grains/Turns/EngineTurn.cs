using System.Runtime.CompilerServices;
using Osprey.Engine.Serving;
using OspreyCluster.Grains.Interfaces;

namespace OspreyCluster.Grains.Turns;

/// <summary>
/// Runs one sequence on this silo's engine and streams it as turn events: the answer's text as the
/// engine releases it, then the result. A request the engine refuses is the caller's error (400).
/// </summary>
public static class EngineTurn
{
    /// <param name="beforeResult">Runs with the outcome before the result is streamed (a conversation stores its turn there).</param>
    public static async IAsyncEnumerable<TurnEvent> Stream(ServingEngine engine, SequenceRequest request, string silo,
        Func<SequenceOutcome, Task>? beforeResult = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        SequenceOutcome? outcome = null;
        await using var events = engine.Generate(request, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (await Next(events))
        {
            if (events.Current.Text.Length > 0) yield return new TurnEvent(events.Current.Text, null);
            if (events.Current.Outcome is { } done)
            {
                outcome = done;
                break;
            }
        }
        if (outcome is null) throw new InvalidOperationException("The engine ended a turn without an outcome.");
        if (beforeResult is not null) await beforeResult(outcome);
        yield return new TurnEvent(null, new TurnResult
        {
            Text = outcome.Text.Trim(),
            Silo = silo,
            PromptTokens = outcome.PromptPositions,
            PrefilledTokens = outcome.PrefilledPositions,
            CachedTokens = outcome.CachedPositions,
            GeneratedTokens = outcome.GeneratedIds.Count,
            FinishReason = outcome.FinishReason,
        });
    }

    private static async Task<bool> Next(IAsyncEnumerator<SequenceEvent> events)
    {
        try
        {
            return await events.MoveNextAsync();
        }
        catch (ArgumentException e)
        {
            throw new OspreyRequestException(400, e.Message);
        }
    }
}
