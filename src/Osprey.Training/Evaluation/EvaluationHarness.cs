namespace Osprey.Training.Evaluation;

/// <summary>
/// Puts every sample to a model and scores the answers; samples that carry swapped masks are asked a
/// second time with those masks and scored against the original answer. The model is injected as a
/// delegate so any engine (or a hand-made answer table) can be evaluated.
/// </summary>
public sealed class EvaluationHarness
{
    private readonly Func<EvalSample, CancellationToken, Task<string>> _answer;

    public EvaluationHarness(Func<EvalSample, CancellationToken, Task<string>> answer) =>
        _answer = answer ?? throw new ArgumentNullException(nameof(answer));

    /// <param name="progress">Receives the number of samples finished so far.</param>
    /// <param name="answered">Receives every scored question with the model's answers, in order.</param>
    public async Task<EvaluationReport> RunAsync(IEnumerable<EvalSample> samples, IProgress<int>? progress = null,
        Action<AnsweredQuestion>? answered = null, CancellationToken cancellationToken = default)
    {
        var tally = new EvaluationTally();
        int done = 0;
        foreach (var sample in samples)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string prediction = await _answer(sample, cancellationToken).ConfigureAwait(false);
            bool correct = tally.Add(sample.Family, sample.ExpectedAnswer, prediction);
            string? swappedPrediction = null;
            if (sample.SwappedRegions is { } swapped)
            {
                var moved = sample with { Regions = swapped, SwappedRegions = null };
                swappedPrediction = await _answer(moved, cancellationToken).ConfigureAwait(false);
                tally.AddSwapped(sample.Family, sample.ExpectedAnswer, swappedPrediction);
            }
            answered?.Invoke(new AnsweredQuestion(sample.Family, sample.Question, sample.ExpectedAnswer, prediction, correct)
                { SwappedAnswer = swappedPrediction });
            progress?.Report(++done);
        }
        return tally.ToReport();
    }
}
