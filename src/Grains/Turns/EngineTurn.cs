using System.Runtime.CompilerServices;
using Osprey.Engine.Serving;
using OspreyCluster.Grains.Hosting;
using OspreyCluster.Grains.Interfaces;
using OspreyCluster.Grains.Metrics;

namespace OspreyCluster.Grains.Turns;

/// <summary>
/// Runs one sequence on this silo's engine, within the turn deadline, for every grain that answers. The
/// engine's refusals become the caller's: a request it cannot run is a 400, a full queue a 503 to retry,
/// a turn past its deadline a 504 (cancelled on the engine, its slot freed, nothing of it stored). Nothing
/// the engine computed leaves the silo before the image encodes it needed are in the cluster's total.
/// </summary>
public static class EngineTurn
{
    /// <summary>Streams the answer's text as the engine releases it, then the result.</summary>
    /// <param name="beforeResult">Runs with the outcome before the result is streamed (a conversation stores its turn there).</param>
    public static async IAsyncEnumerable<TurnEvent> Stream(SiloServingEngine serving, ImageEncodeReporter encodes, SequenceRequest request, string silo,
        Func<SequenceOutcome, Task>? beforeResult = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        SequenceOutcome? outcome = null;
        await foreach (var item in Events(serving, encodes, request, cancellationToken))
        {
            if (item.Text.Length > 0) yield return new TurnEvent(item.Text, null);
            if (item.Outcome is { } done)
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

    /// <summary>Runs the sequence to its outcome.</summary>
    public static async Task<SequenceOutcome> Complete(SiloServingEngine serving, ImageEncodeReporter encodes, SequenceRequest request,
        CancellationToken cancellationToken = default)
    {
        await foreach (var item in Events(serving, encodes, request, cancellationToken))
            if (item.Outcome is { } outcome) return outcome;
        throw new InvalidOperationException("The engine ended a sequence without an outcome.");
    }

    private static async IAsyncEnumerable<SequenceEvent> Events(SiloServingEngine serving, ImageEncodeReporter encodes, SequenceRequest request,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var running = serving.BeginTurn();
        var deadline = serving.Options.TurnDeadline;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(deadline);
        // Disposing the enumerator (after the deadline, or when the caller leaves) cancels the sequence.
        await using var events = serving.Engine.Generate(request, timeout.Token).GetAsyncEnumerator(timeout.Token);
        var first = true;
        while (true)
        {
            bool more;
            try
            {
                more = await events.MoveNextAsync();
            }
            catch (ArgumentException e)
            {
                throw new OspreyRequestException(400, e.Message);
            }
            catch (EngineQueueFullException e)
            {
                throw new OspreyRequestException(503, e.Message, RetryAfterSeconds);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new OspreyRequestException(504,
                    $"the turn ran past its deadline of {deadline.TotalSeconds:0.###} s and was cancelled; nothing of it was stored");
            }
            if (!more) yield break;
            // The first event comes after the image's encode (when it needed one): counted for good before it is served.
            if (first)
            {
                first = false;
                await encodes.PersistAsync();
            }
            yield return events.Current;
        }
    }

    /// <summary>A full queue drains at the pace of a few engine steps: a second is a fair first wait.</summary>
    private const int RetryAfterSeconds = 1;
}
