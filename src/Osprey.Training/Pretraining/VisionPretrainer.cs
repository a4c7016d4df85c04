using Osprey.Engine.Multimodal;
using Osprey.Engine.Tokenization;
using Osprey.Training.Parallel;
using Osprey.Training.Synthetic;
using Osprey.Training.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Osprey.Training.Pretraining;

/// <summary>
/// Vision pretraining on the synthetic world: the trunk and the mask extractor learn, through
/// <see cref="RegionAttributeHeads"/>, to make every object's category, colour, size, position and
/// area readable from its region tokens. The real Osprey starts from a CLIP-pretrained trunk that it keeps frozen; a
/// model trained from scratch has no such trunk, and measured on this world the next-token loss alone
/// teaches colour but leaves shape at chance, so this stage gives it one. The projector and the
/// language model are untouched. Checkpoints, resume and logging work as in <see cref="Trainer"/>;
/// the heads live only in <c>OUT/resume</c>.
/// </summary>
public sealed class VisionPretrainer : IDisposable
{
    public const string HeadsFileName = "attribute_heads.bin";
    public const TrainableModules Modules = TrainableModules.VisionTrunk | TrainableModules.MaskExtractor;

    private readonly OspreyModel _model;
    private readonly OspreyTokenizer _tokenizer;
    private readonly string _tokenizerPath;
    private readonly SceneGenerator _scenes;
    private readonly TrainingOptions _options;
    private readonly string _outDirectory;
    private readonly TextWriter _log;
    private readonly RegionAttributeHeads _heads;
    private readonly RegionAttributeLoss _loss;
    private readonly List<Parameter> _trainable;
    private readonly AdamW _adam;
    private readonly LearningRateSchedule _schedule;
    private readonly long _sceneSeed;
    private readonly string _data;
    private readonly DataParallelGradient<SyntheticScene, RegionAttributeBatch>? _parallel;
    private readonly List<nn.Module> _replicaModules = [];

    public int Step { get; private set; }

    public VisionPretrainer(OspreyModel model, OspreyTokenizer tokenizer, string tokenizerPath, SceneOptions sceneOptions,
        TrainingOptions options, string outDirectory, TextWriter log)
    {
        options.Validate();
        _model = model;
        _tokenizer = tokenizer;
        _tokenizerPath = tokenizerPath;
        _scenes = new SceneGenerator(sceneOptions);
        _data = $"synthetic scenes: {sceneOptions}";
        _options = options with { Modules = Modules };
        _outDirectory = outDirectory;
        _log = log;
        // Its own stream of scenes: a seed derived from the run seed, never a small evaluation seed.
        _sceneSeed = SyntheticTrainingSource.BlockSeed(options.Seed, -1);
        _heads = new RegionAttributeHeads(model.Config.Language.HiddenSize);
        ParameterInitializer.Initialize(_heads, options.Seed + 1);
        _loss = new RegionAttributeLoss(model, _heads);
        _trainable = Trainer.SelectTrainable(model, Modules);
        _trainable.AddRange(_heads.parameters());
        var (matrices, rest) = WeightDecayGroups.Split(_trainable, options.WeightDecay);
        _adam = new PinnedScalarAdamW([matrices, rest], options.LearningRate, options.Beta1, options.Beta2, eps: 1e-8, KernelPins.Current);
        _schedule = new LearningRateSchedule(options.LearningRate, options.WarmupSteps, options.Steps, options.MinLearningRateFraction);
        model.train();
        if (options.Workers > 1) _parallel = CreateReplicas(model, tokenizer, options.Workers);
    }

    private DataParallelGradient<SyntheticScene, RegionAttributeBatch> CreateReplicas(OspreyModel model, OspreyTokenizer tokenizer, int workers)
    {
        var replicas = new List<TrainingReplica<SyntheticScene, RegionAttributeBatch>>
        {
            new(_trainable, TrainingReplica<SyntheticScene, RegionAttributeBatch>.WeightsOf(model, _heads), _loss.ComputeSum),
        };
        for (int i = 1; i < workers; i++)
        {
            var copy = ModelReplica.Create(model, tokenizer);
            var heads = new RegionAttributeHeads(model.Config.Language.HiddenSize);
            _replicaModules.AddRange([copy, heads]);
            var trainable = Trainer.SelectTrainable(copy, Modules);
            trainable.AddRange(heads.parameters());
            replicas.Add(new(trainable, TrainingReplica<SyntheticScene, RegionAttributeBatch>.WeightsOf(copy, heads),
                new RegionAttributeLoss(copy, heads).ComputeSum));
        }
        return new DataParallelGradient<SyntheticScene, RegionAttributeBatch>(replicas, r => r.Loss, r => r.Regions);
    }

    public long TrainableParameterCount => _trainable.Sum(p => p.numel());

    /// <summary>Continues from <c>OUT/resume</c>: the model must already hold that checkpoint's weights.</summary>
    public void RestoreHeadsOptimizerAndStep(string resumeDirectory)
    {
        var state = TrainerState.Load(resumeDirectory);
        if (state.Modules != StateModules)
            throw new InvalidOperationException($"the checkpoint in {resumeDirectory} is not a vision pretraining run ({state.Modules})");
        state.RequireSameRun(_options.Seed, _options.BatchSize, _data, KernelPins.Current);
        _heads.load(Path.Combine(resumeDirectory, HeadsFileName));
        _adam.load_state_dict(Path.Combine(resumeDirectory, Trainer.OptimizerFileName));
        Step = state.Step;
    }

    /// <summary>Runs until <c>Steps</c>; returns the loss of every step run by this call.</summary>
    public IReadOnlyList<double> Run(CancellationToken cancellationToken = default)
    {
        var losses = new List<double>();
        var progress = new TrainingProgress(Step, _options.Steps);
        var tally = new AttributeAccuracy();
        double lastLoss = double.NaN;
        _parallel?.BroadcastAll();
        while (Step < _options.Steps)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var step = Step + 1;
            var lr = _schedule.At(step);
            foreach (var group in _adam.ParamGroups) group.LearningRate = lr;

            var dataClock = System.Diagnostics.Stopwatch.StartNew();
            var scenes = new List<SyntheticScene>(_options.BatchSize);
            for (int i = 0; i < _options.BatchSize; i++)
                scenes.Add(_scenes.Generate(_sceneSeed, checked(Step * _options.BatchSize + i)));
            progress.AddDataTime(dataClock.Elapsed);

            double gradNorm;
            using (torch.NewDisposeScope())
            {
                _adam.zero_grad();
                (lastLoss, gradNorm) = _parallel is null ? SingleModelStep(scenes, progress, tally) : DataParallelStep(_parallel, scenes, progress, tally);
            }
            if (!double.IsFinite(lastLoss)) throw new InvalidOperationException($"step {step}: the loss is {lastLoss}; lower the learning rate");
            losses.Add(lastLoss);
            Step = step;

            if (step % _options.LogEvery == 0 || step == _options.Steps || step == 1)
            {
                _log.WriteLine($"{progress.Line(step, lastLoss, lr, gradNorm)}  {tally.Line()}");
                _log.Flush();
                tally = new AttributeAccuracy();
            }
            if (_options.CheckpointEvery > 0 && step % _options.CheckpointEvery == 0 && step != _options.Steps)
                SaveCheckpoint(lastLoss);
        }
        if (losses.Count > 0) SaveCheckpoint(lastLoss);
        return losses;
    }

    private (double Loss, double GradNorm) SingleModelStep(List<SyntheticScene> scenes, TrainingProgress progress, AttributeAccuracy tally)
    {
        using var batch = _loss.Compute(scenes);
        var gradNorm = GradientStep.Apply(batch.Loss, _trainable, _options.ClipNorm, _adam);
        var loss = batch.Loss.item<float>();
        progress.Add(loss, batch.Regions);
        tally.Add(batch);
        return (loss, gradNorm);
    }

    private (double Loss, double GradNorm) DataParallelStep(DataParallelGradient<SyntheticScene, RegionAttributeBatch> parallel,
        List<SyntheticScene> scenes, TrainingProgress progress, AttributeAccuracy tally)
    {
        var (shards, loss, gradNorm) = parallel.Step(scenes, _options.ClipNorm, _adam);
        try
        {
            progress.Add(loss, shards.Sum(s => s.Regions));
            foreach (var shard in shards) tally.Add(shard);
            return (loss, gradNorm);
        }
        finally
        {
            foreach (var shard in shards) shard.Dispose();
        }
    }

    private const string StateModules = "VisionPretraining";

    /// <summary>Writes <c>OUT/resume</c> (fp32 weights, heads, optimizer, step) and the model in <c>OUT</c> (fp32: it is a starting point).</summary>
    public void SaveCheckpoint(double lastLoss)
    {
        RunCheckpoint.Save(_model, _tokenizerPath, _tokenizer, _adam, State(lastLoss), _outDirectory, exportDType: null,
            writeExtra: staging => _heads.save(Path.Combine(staging, HeadsFileName)));
        _log.WriteLine($"checkpoint: step {Step} → {_outDirectory}");
        _log.Flush();
    }

    private TrainerState State(double lastLoss) =>
        new(Step, _options.Steps, _options.BatchSize, _options.Seed, StateModules, lastLoss) { Data = _data, Kernels = KernelPins.Current.ToString() };

    public void Dispose()
    {
        _parallel?.Dispose();
        foreach (var module in _replicaModules) module.Dispose();
        _adam.Dispose();
        _heads.Dispose();
    }
}
