using Osprey.Engine.Language;
using Osprey.Engine.Multimodal;
using Osprey.Engine.Tokenization;
using Osprey.Training.Synthetic;
using Osprey.Training.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Osprey.Training.Pretraining;

/// <summary>
/// Text-only pretraining of the decoder on sequences whose scored tokens only a lookup of an earlier
/// token predicts (<see cref="RepeatedTokenSequences"/>, <see cref="RegionRecallSequences"/>): the
/// induction circuit — find the earlier occurrence of the current token and copy what followed it — is
/// exactly how a multi-region conversation binds "region2" in a question to the <c>&lt;mask&gt;</c> that
/// followed "region2" in the first turn. A pretrained LLaMA brings that circuit from its text
/// pretraining; a decoder trained from scratch on answer tokens alone was measured never to form it (it
/// learns "the first region" and no other), so this stage gives it one before the multimodal stages.
/// Vision trunk, projector and mask extractor are untouched.
/// </summary>
public sealed class InductionPretrainer : IDisposable
{
    public const TrainableModules Modules = TrainableModules.Llm;

    /// <summary>
    /// Random tokens come from this many ordinary SentencePiece pieces (ids from 300, past the control
    /// and byte tokens) and the ten digits, the tokens region names differ by. A small pool lets every
    /// token recur often enough in a run for the circuit to form; it does not depend on which tokens.
    /// </summary>
    public const int PoolPieces = 500, FirstPieceId = 300;

    private readonly OspreyModel _model;
    private readonly OspreyTokenizer _tokenizer;
    private readonly string _tokenizerPath;
    private readonly TrainingOptions _options;
    private readonly ILookupSequences _sequences;
    private readonly string _outDirectory;
    private readonly TextWriter _log;
    private readonly List<Parameter> _trainable;
    private readonly AdamW _adam;
    private readonly LearningRateSchedule _schedule;
    private readonly LookupLoss _loss;

    public int Step { get; private set; }

    public InductionPretrainer(OspreyModel model, OspreyTokenizer tokenizer, string tokenizerPath, TrainingOptions options,
        ILookupSequences sequences, string outDirectory, TextWriter log)
    {
        options.Validate();
        _model = model;
        _tokenizer = tokenizer;
        _tokenizerPath = tokenizerPath;
        _options = options with { Modules = Modules };
        _sequences = sequences;
        _outDirectory = outDirectory;
        _log = log;
        _loss = new LookupLoss(model);
        _trainable = Trainer.SelectTrainable(model, Modules);
        var (matrices, rest) = WeightDecayGroups.Split(_trainable, options.WeightDecay);
        _adam = new PinnedScalarAdamW([matrices, rest], options.LearningRate, options.Beta1, options.Beta2, eps: 1e-8, KernelPins.Current);
        _schedule = new LearningRateSchedule(options.LearningRate, options.WarmupSteps, options.Steps, options.MinLearningRateFraction);
        model.train();
    }

    /// <summary>The ids random tokens are drawn from: <see cref="PoolPieces"/> pieces and the ten digits.</summary>
    public static IReadOnlyList<int> Pool(OspreyTokenizer tokenizer)
    {
        var digits = tokenizer.EncodeSentencePiece("0123456789").Where(id => tokenizer.IdToPiece(id) is [>= '0' and <= '9']);
        return [.. Enumerable.Range(FirstPieceId, PoolPieces).Union(digits).Order()];
    }

    public long TrainableParameterCount => _trainable.Sum(p => p.numel());

    /// <summary>Sequence <paramref name="index"/> of the run, drawn from the run seed alone.</summary>
    public LookupSequence Sequence(long index) => _sequences.Draw(SeededRandom.Derive(_options.Seed, index, purpose: 0x696e6475));

    /// <summary>Runs until <c>Steps</c>; returns the loss of every step run.</summary>
    public IReadOnlyList<double> Run(CancellationToken cancellationToken = default)
    {
        var losses = new List<double>();
        var progress = new TrainingProgress(Step, _options.Steps);
        double lastLoss = double.NaN;
        while (Step < _options.Steps)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var step = Step + 1;
            var lr = _schedule.At(step);
            foreach (var group in _adam.ParamGroups) group.LearningRate = lr;
            double gradNorm;
            int targets, hits;
            using (torch.NewDisposeScope())
            {
                _adam.zero_grad();
                var sequences = Enumerable.Range(0, _options.BatchSize).Select(i => Sequence((long)Step * _options.BatchSize + i)).ToList();
                var loss = Loss(sequences, out targets, out hits);
                gradNorm = GradientStep.Apply(loss, _trainable, _options.ClipNorm, _adam);
                lastLoss = loss.item<float>();
            }
            if (!double.IsFinite(lastLoss)) throw new InvalidOperationException($"step {step}: the loss is {lastLoss}; lower the learning rate");
            progress.Add(lastLoss, targets);
            losses.Add(lastLoss);
            Step = step;
            if (step % _options.LogEvery == 0 || step == _options.Steps || step == 1)
            {
                // Top-1 accuracy on the scored tokens: the lookup forms when it leaves chance.
                _log.WriteLine($"{progress.Line(step, lastLoss, lr, gradNorm)}  lookup {(double)hits / targets:P0}");
                _log.Flush();
            }
            if (_options.CheckpointEvery > 0 && step % _options.CheckpointEvery == 0 && step != _options.Steps)
                SaveModel(lastLoss);
        }
        if (losses.Count > 0) SaveModel(lastLoss);
        return losses;
    }

    /// <summary>Mean next-token cross-entropy over the scored positions of the sequences (<see cref="LookupLoss"/>).</summary>
    public Tensor Loss(IReadOnlyList<LookupSequence> sequences, out int targets, out int hits) => _loss.Compute(sequences, out targets, out hits);

    private const string StateModules = "InductionPretraining";

    /// <summary>
    /// Continues from <c>OUT/resume</c>: the model must already hold that checkpoint's weights. Sequences
    /// are drawn from the seed and their index alone, so a resumed run sees what an uninterrupted one would.
    /// </summary>
    public void RestoreOptimizerAndStep(string resumeDirectory)
    {
        var state = TrainerState.Load(resumeDirectory);
        if (state.Modules != StateModules)
            throw new InvalidOperationException($"the checkpoint in {resumeDirectory} is not an induction pretraining run ({state.Modules})");
        state.RequireSameRun(_options.Seed, _options.BatchSize, _sequences.Description, KernelPins.Current);
        _adam.load_state_dict(Path.Combine(resumeDirectory, Trainer.OptimizerFileName));
        Step = state.Step;
    }

    private void SaveModel(double lastLoss)
    {
        RunCheckpoint.Save(_model, _tokenizerPath, _tokenizer, _adam,
            new TrainerState(Step, _options.Steps, _options.BatchSize, _options.Seed, StateModules, lastLoss)
            {
                Data = _sequences.Description,
                Kernels = KernelPins.Current.ToString(),
            },
            _outDirectory, exportDType: null);
        _log.WriteLine($"saved: step {Step} → {_outDirectory}");
        _log.Flush();
    }

    public void Dispose() => _adam.Dispose();
}
