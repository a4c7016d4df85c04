using Osprey.Engine.Checkpoints;
using Osprey.Engine.Layers;
using Osprey.Engine.Multimodal;
using Osprey.Engine.Tokenization;
using Osprey.Training.Parallel;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Osprey.Training.Training;

/// <summary>
/// The training loop: AdamW (weight decay on matrices only), warm-up + cosine learning rate, global
/// gradient-norm clipping, parameters outside the selected modules frozen (no gradients, never in the
/// optimizer). Every <c>CheckpointEvery</c> steps and at the end it writes a resumable checkpoint
/// (<c>OUT/resume</c>: fp32 weights in the published layout, optimizer moments, step) and the model
/// itself (<c>OUT</c>: published layout in the export dtype). Deterministic: the data of step k is a
/// function of the seed and k only, so a resumed run repeats an uninterrupted one.
/// </summary>
public sealed class Trainer : IDisposable
{
    public const string ResumeDirectoryName = RunCheckpoint.ResumeDirectoryName;
    public const string OptimizerFileName = RunCheckpoint.OptimizerFileName;

    private readonly OspreyModel _model;
    private readonly OspreyTokenizer _tokenizer;
    private readonly string _tokenizerPath;
    private readonly ITrainingSource _data;
    private readonly TrainingOptions _options;
    private readonly string _outDirectory;
    private readonly TextWriter _log;
    private readonly AnswerLoss _loss;
    private readonly List<Parameter> _trainable;
    private readonly AdamW _adam;
    private readonly List<double> _groupScales;
    private readonly LearningRateSchedule _schedule;
    private readonly DataParallelGradient<TrainingExample, BatchLoss>? _parallel;
    private readonly List<OspreyModel> _replicaModels = [];
    private readonly RecallMix? _recall;
    private readonly Pretraining.LookupLoss? _lookupLoss;
    private (double Loss, double Accuracy)? _lastRecall;
    private (double All, double? Later)? _lastRegionAttentionMass;

    /// <summary>Steps completed so far.</summary>
    public int Step { get; private set; }

    /// <summary>Stored dtype of the exported model in <c>OUT</c> (null: the parameters' own).</summary>
    public ScalarType? ExportDType { get; init; } = ScalarType.BFloat16;

    /// <param name="recall">Region recall added to every step's loss (single-model steps only: <c>Workers</c> 1).</param>
    public Trainer(OspreyModel model, OspreyTokenizer tokenizer, string tokenizerPath, ITrainingSource data,
        TrainingOptions options, string outDirectory, TextWriter log, RecallMix? recall = null)
    {
        options.Validate();
        recall?.Validate();
        if (recall is not null) RecallMix.RequireSingleWorker(options.Workers);
        _recall = recall;
        if (recall is not null) _lookupLoss = new Pretraining.LookupLoss(model);
        _model = model;
        _tokenizer = tokenizer;
        _tokenizerPath = tokenizerPath;
        _data = data;
        _options = options;
        _outDirectory = outDirectory;
        _log = log;
        _loss = new AnswerLoss(model, tokenizer, options.RegionAttention);
        _trainable = SelectTrainable(model, options.Modules);
        var groups = new List<AdamW.ParamGroup>();
        _groupScales = [];
        void AddGroup(List<Parameter> members, double weightDecay, double scale)
        {
            groups.Add(new AdamW.ParamGroup(members, new AdamW.Options { weight_decay = weightDecay }));
            _groupScales.Add(scale);
        }
        if (options.VisionLearningRateScale == 1.0)
        {
            // One learning rate: exactly {matrices, the rest}, the group layout of earlier checkpoints.
            var (matrices, rest) = WeightDecayGroups.Split(_trainable, options.WeightDecay);
            groups.AddRange([matrices, rest]);
            _groupScales.AddRange([1.0, 1.0]);
        }
        else
        {
            const TrainableModules vision = TrainableModules.VisionTrunk | TrainableModules.Projector | TrainableModules.MaskExtractor;
            var named = model.named_parameters().Where(p => p.parameter.requires_grad).ToList();
            foreach (var isVision in new[] { true, false })
            foreach (var matrices in new[] { true, false })
            {
                var members = named.Where(p => TrainingStage.Selects(vision, p.name) == isVision && p.parameter.dim() >= 2 == matrices)
                    .Select(p => p.parameter).ToList();
                if (members.Count > 0) AddGroup(members, matrices ? options.WeightDecay : 0, isVision ? options.VisionLearningRateScale : 1.0);
            }
        }
        _adam = new PinnedScalarAdamW(groups, options.LearningRate, options.Beta1, options.Beta2, eps: 1e-8, KernelPins.Current);
        _schedule = new LearningRateSchedule(options.LearningRate, options.WarmupSteps, options.Steps, options.MinLearningRateFraction);
        model.train();
        if (options.Workers > 1) _parallel = CreateReplicas(model, tokenizer, tokenizerPath, options);
    }

    private DataParallelGradient<TrainingExample, BatchLoss> CreateReplicas(OspreyModel model, OspreyTokenizer tokenizer,
        string tokenizerPath, TrainingOptions options)
    {
        var replicas = new List<TrainingReplica<TrainingExample, BatchLoss>>
        {
            new(_trainable, TrainingReplica<TrainingExample, BatchLoss>.WeightsOf(model), _loss.ComputeSum),
        };
        for (int i = 1; i < options.Workers; i++)
        {
            var copy = ModelReplica.Create(model, tokenizer);
            _replicaModels.Add(copy);
            // Each thread tokenizes with its own tokenizer rather than rely on one being safe to share.
            var loss = new AnswerLoss(copy, OspreyTokenizer.Load(tokenizerPath), options.RegionAttention);
            replicas.Add(new(SelectTrainable(copy, options.Modules), TrainingReplica<TrainingExample, BatchLoss>.WeightsOf(copy), loss.ComputeSum));
        }
        return new DataParallelGradient<TrainingExample, BatchLoss>(replicas, r => r.Loss, r => r.TargetTokens);
    }

    public IReadOnlyList<Parameter> TrainableParameters => _trainable;

    /// <summary>Marks exactly the parameters of the selected modules as requiring gradients.</summary>
    public static List<Parameter> SelectTrainable(OspreyModel model, TrainableModules modules)
    {
        var trainable = new List<Parameter>();
        foreach (var (name, parameter) in model.named_parameters())
        {
            var train = TrainingStage.Selects(modules, name);
            parameter.requires_grad = train;
            if (train) trainable.Add(parameter);
        }
        if (trainable.Count == 0) throw new InvalidOperationException($"the modules {modules} hold no parameters");
        return trainable;
    }

    /// <summary>Continues from <c>OUT/resume</c>: the model must already hold that checkpoint's weights (load it first).</summary>
    public void RestoreOptimizerAndStep(string resumeDirectory)
    {
        var state = TrainerState.Load(resumeDirectory);
        if (state.Modules != _options.Modules.ToString())
            throw new InvalidOperationException($"the checkpoint trained {state.Modules}, this run trains {_options.Modules}: resume with the same stage");
        if (state.VisionLearningRateScale != _options.VisionLearningRateScale)
            throw new InvalidOperationException($"the checkpoint used --vision-lr-scale {state.VisionLearningRateScale}, this run {_options.VisionLearningRateScale}: resume with the same scale");
        state.RequireSameRun(_options.Seed, _options.BatchSize, DataDescription, KernelPins.Current);
        _adam.load_state_dict(Path.Combine(resumeDirectory, OptimizerFileName));
        Step = state.Step;
    }

    /// <summary>Runs until <c>Steps</c>; returns the loss of every step run by this call (with recall mixed in, the answer loss plus the weighted recall loss).</summary>
    public IReadOnlyList<double> Run(CancellationToken cancellationToken = default)
    {
        var losses = new List<double>();
        var progress = new TrainingProgress(Step, _options.Steps);
        double lastLoss = double.NaN;
        _parallel?.BroadcastAll();
        while (Step < _options.Steps)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var step = Step + 1;
            var lr = _schedule.At(step);
            foreach (var (group, scale) in _adam.ParamGroups.Zip(_groupScales)) group.LearningRate = lr * scale;

            var dataClock = System.Diagnostics.Stopwatch.StartNew();
            var batch = new List<TrainingExample>(_options.BatchSize);
            for (int i = 0; i < _options.BatchSize; i++)
                batch.Add(_data.Get((long)Step * _options.BatchSize + i));

            progress.AddDataTime(dataClock.Elapsed);
            double gradNorm;
            using (torch.NewDisposeScope())
            {
                _adam.zero_grad();
                (lastLoss, gradNorm) = _parallel is null ? SingleModelStep(batch, progress, Step) : DataParallelStep(_parallel, batch, progress);
            }
            if (!double.IsFinite(lastLoss)) throw new InvalidOperationException($"step {step}: the loss is {lastLoss}; lower the learning rate");
            losses.Add(lastLoss);
            Step = step;

            if (step % _options.LogEvery == 0 || step == _options.Steps || step == 1)
            {
                _log.WriteLine(progress.Line(step, lastLoss, lr, gradNorm) + (_lastRecall is { } r ? FormattableString.Invariant($"  recall {r.Loss:F3} lookup {r.Accuracy:P0}") : "")
                    + (_lastRegionAttentionMass is { } mass ? FormattableString.Invariant($"  region attention {mass.All:P1} (region2+: {mass.Later:P1})") : ""));
                _log.Flush();
            }
            if (_options.CheckpointEvery > 0 && step % _options.CheckpointEvery == 0 && step != _options.Steps)
                SaveCheckpoint(lastLoss);
        }
        if (losses.Count > 0) SaveCheckpoint(lastLoss);
        return losses;
    }

    private (double Loss, double GradNorm) SingleModelStep(List<TrainingExample> batch, TrainingProgress progress, int stepIndex)
    {
        using var result = _loss.Compute(batch);
        _lastRegionAttentionMass = result.RegionAttentionMass;
        if (_recall is null)
        {
            var gradNorm = GradientStep.Apply(result.Loss, _trainable, _options.ClipNorm, _adam);
            var loss = result.Loss.item<float>();
            progress.Add(loss, result.Positions);
            return (loss, gradNorm);
        }
        using var recall = _lookupLoss!.Compute(_recall.ForStep(_options.Seed, stepIndex), out var targets, out var hits);
        // A tensor weight, not an implicit Scalar: the GC may free a Scalar while libtorch still reads it.
        using var weight = torch.tensor(_recall.Weight, dtype: recall.dtype, device: recall.device);
        using var total = result.Loss.add(recall.mul(weight), PinnedScalars.One);
        var combinedGradNorm = GradientStep.Apply(total, _trainable, _options.ClipNorm, _adam);
        _lastRecall = (recall.item<float>(), (double)hits / targets);
        var combined = total.item<float>();
        progress.Add(combined, result.Positions);
        return (combined, combinedGradNorm);
    }

    /// <summary>The run's data as its checkpoint records it: the answers' source and, when mixed in, the recall and the region-attention term.</summary>
    private string DataDescription =>
        (_recall is null ? _data.Description : $"{_data.Description}; region recall: {_recall.Description}")
        + (_options.RegionAttention is { } attention ? $"; {attention}" : "");

    private (double Loss, double GradNorm) DataParallelStep(DataParallelGradient<TrainingExample, BatchLoss> parallel,
        List<TrainingExample> batch, TrainingProgress progress)
    {
        var (shards, loss, gradNorm) = parallel.Step(batch, _options.ClipNorm, _adam);
        try
        {
            progress.Add(loss, shards.Sum(s => s.Positions));
            return (loss, gradNorm);
        }
        finally
        {
            foreach (var shard in shards) shard.Dispose();
        }
    }

    /// <summary>Writes <c>OUT/resume</c> (replacing it only once complete) and the exported model in <c>OUT</c>.</summary>
    public void SaveCheckpoint(double lastLoss)
    {
        RunCheckpoint.Save(_model, _tokenizerPath, _tokenizer, _adam, State(lastLoss), _outDirectory, ExportDType);
        _log.WriteLine($"checkpoint: step {Step} → {_outDirectory}");
        _log.Flush();
    }

    private TrainerState State(double lastLoss) =>
        new(Step, _options.Steps, _options.BatchSize, _options.Seed, _options.Modules.ToString(), lastLoss)
        {
            VisionLearningRateScale = _options.VisionLearningRateScale,
            Data = DataDescription,
            Kernels = KernelPins.Current.ToString(),
        };

    public void Dispose()
    {
        _parallel?.Dispose();
        foreach (var replica in _replicaModels) replica.Dispose();
        _adam.Dispose();
    }
}
