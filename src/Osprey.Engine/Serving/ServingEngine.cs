using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Osprey.Engine.Config;
using Osprey.Engine.Devices;
using Osprey.Engine.Multimodal;
using Osprey.Engine.Prompting;
using Osprey.Engine.Segmentation;
using Osprey.Engine.Tokenization;

namespace Osprey.Engine.Serving;

/// <summary>
/// One silo's model behind a continuous-batching loop on its own thread, and optionally a Segment
/// Anything model on a worker thread beside it. Callers on any thread submit work and await it; no
/// model compute runs on the caller's thread.
/// </summary>
public sealed class ServingEngine : ISequenceEngine
{
    private readonly Channel<EngineCommand> _commands = Channel.CreateUnbounded<EngineCommand>(new() { SingleReader = true });
    private readonly EngineLoop _loop;
    private readonly OspreyEngine _engine;
    private readonly AdmissionQueueBound _queue;
    private readonly bool _ownsEngine;
    private int _disposed;

    private ServingEngine(OspreyEngine engine, ServingOptions options, SamModel? segmentation, bool ownsEngine)
    {
        _engine = engine;
        _ownsEngine = ownsEngine;
        Options = options;
        Prefix = new ImagePromptPrefix(engine.Tokenizer, ImageTokenCountOf(engine.Config));
        _queue = new AdmissionQueueBound(options.MaxWaitingSequences);
        SegmentationConfig = segmentation?.Config;
        _loop = new EngineLoop(engine, Prefix, options, Counters, _queue, _commands,
            segmentation is null ? null : SegmentationWorker.Start(segmentation, options.EncodeThreads));
    }

    /// <summary>
    /// Starts the loop over a loaded engine, and a segmentation worker over <paramref name="segmentation"/>
    /// when given; the serving engine then owns both models.
    /// </summary>
    public static ServingEngine Start(OspreyEngine engine, ServingOptions options, SamModel? segmentation = null)
    {
        options.Validate();
        PrepareToServe(engine.Model);
        var serving = new ServingEngine(engine, options, segmentation, ownsEngine: true);
        serving._loop.Start();
        return serving;
    }

    /// <summary>
    /// A loop of its own over <paramref name="engine"/> for <see cref="ServingWarmUp"/>, not started: the
    /// warm-up runs it on the serving engine's thread, and the model stays the serving engine's.
    /// </summary>
    internal static ServingEngine ForWarmUp(OspreyEngine engine, ServingOptions options) => new(engine, options, segmentation: null, ownsEngine: false);

    internal void RunLoopOnThisThread() => _loop.RunOnThisThread();

    /// <summary>Lets the loop end once what is posted has run (the warm-up's end).</summary>
    internal void StopTakingCommands() => _commands.Writer.TryComplete();

    /// <summary>
    /// Completes with the warm-up's duration once the engine thread has run it (<see cref="ServingOptions.WarmUp"/>;
    /// at once, with zero, without it), or faults with what it threw. Commands posted before then wait for it.
    /// </summary>
    public Task<TimeSpan> WarmedUp => _loop.WarmedUp;

    /// <summary>
    /// What a process does to a loaded model it will only serve from (the serving engine on start, and the
    /// bench before it times the engine): the language model's product weights are packed for the bfloat16
    /// micro-kernel where the CPU has it (<see cref="Language.LlamaForCausalLM.PackForServing"/>), then
    /// malloc keeps its freed large blocks from here on, so the engine's large temporaries are reused rather
    /// than faulted in afresh (after the load and the packing, so the weights are placed as before and the
    /// packing's temporaries go back to the system).
    /// </summary>
    public static void PrepareToServe(OspreyModel model)
    {
        model.llm.PackForServing();
        NativeHeap.KeepFreedBlocks();
    }

    /// <summary>The image tokens res4 yields: one per 16×16 patch of the square model input.</summary>
    private static int ImageTokenCountOf(OspreyConfig config) => config.ImageSize / 16 * (config.ImageSize / 16);

    public ServingOptions Options { get; }
    public ServingCounters Counters { get; } = new();
    public ImagePromptPrefix Prefix { get; }
    public OspreyTokenizer Tokenizer => _engine.Tokenizer;
    public int ContextLength => _engine.Config.Language.MaxPositionEmbeddings;

    public ServingMetrics Metrics() => Counters.Snapshot(Options.MemoryBudgetBytes);

    /// <summary>Sequences submitted and not yet taken into the batch (or refused, or cancelled).</summary>
    public int WaitingSequences => _queue.Waiting;

    public long FreeBytes => Math.Max(0, Options.MemoryBudgetBytes - Counters.BytesResident);

    /// <summary>The Segment Anything model's shape, or null when this engine has none.</summary>
    public SamConfig? SegmentationConfig { get; }

    /// <summary>
    /// Runs <paramref name="work"/> on the segmentation worker against the image's SAM embedding, which
    /// is computed once and then kept resident beside the image's features, under the same budget.
    /// </summary>
    /// <exception cref="InvalidOperationException">This engine has no Segment Anything model (the task faults).</exception>
    public Task<T> Segment<T>(ImageSource image, Func<SamPredictor, SamImageEmbedding, T> work, CancellationToken cancellationToken = default)
    {
        var job = new SegmentationJob<T>(work, cancellationToken);
        Post(new SegmentImage(image, job));
        return job.Done.Task;
    }

    /// <summary>Makes the image's features and prefix cache resident, encoding it if they are not.</summary>
    public Task EnsureImage(ImageSource image)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(new EnsureImage(image, done));
        return done.Task;
    }

    public async Task<byte[]> ExportFeatures(ImageSource image, CancellationToken cancellationToken = default)
    {
        await EnsureImage(image).WaitAsync(cancellationToken).ConfigureAwait(false);
        var done = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(new ExportImageFeatures(image.Id, done));
        return await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Streams the sampled token ids, then one event carrying the outcome. Cancelling, or leaving the
    /// enumeration early, frees the sequence's batch slot and drops its half-extended cache. With
    /// <see cref="ServingOptions.MaxWaitingSequences"/> already waiting, the first move throws
    /// <see cref="EngineQueueFullException"/> and nothing is queued.
    /// </summary>
    public async IAsyncEnumerable<SequenceEvent> Generate(SequenceRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var events = Channel.CreateUnbounded<SequenceEvent>(new() { SingleReader = true, SingleWriter = true });
        var pending = new PendingSequence(request, events.Writer);
        _queue.Enter();
        try
        {
            Post(new StartSequence(pending));
        }
        catch
        {
            _queue.Leave();
            throw;
        }
        using var registration = cancellationToken.Register(() => Cancel(pending));
        try
        {
            await foreach (var item in events.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                yield return item;
        }
        finally
        {
            if (events.Reader.Completion.IsCompleted is false) Cancel(pending);
        }
    }

    /// <summary>Runs a sequence to its end; <paramref name="onText"/> receives the answer's text as it is released.</summary>
    public async Task<SequenceOutcome> Complete(SequenceRequest request, Action<string>? onText = null, CancellationToken cancellationToken = default)
    {
        await foreach (var item in Generate(request, cancellationToken).ConfigureAwait(false))
        {
            if (item.Text.Length > 0) onText?.Invoke(item.Text);
            if (item.Outcome is { } outcome) return outcome;
        }
        throw new InvalidOperationException("The engine ended a sequence without an outcome.");
    }

    /// <summary>
    /// Positions a conversation's first turn takes before its question: the image and the introduction
    /// of <paramref name="regionCount"/> regions. A conversation must leave room for questions after it.
    /// </summary>
    public int IntroductionPositions(int regionCount) =>
        Prefix.PositionsOf(Tokenizer.Encode(ConversationTemplate.OpenFirstTurn(ConversationTemplate.FirstUserMessage(regionCount, ""))));

    // A stopped engine has released everything already, so a late release is not an error.
    public void ReleaseImage(string imageId) => _commands.Writer.TryWrite(new ReleaseImage(imageId));

    private void Cancel(PendingSequence pending)
    {
        pending.Cancel();
        _commands.Writer.TryWrite(new Wake());
    }

    private void Post(EngineCommand command)
    {
        if (!_commands.Writer.TryWrite(command))
            throw new ObjectDisposedException(nameof(ServingEngine), "The engine has stopped.");
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _commands.Writer.TryComplete();
        _loop.Join();
        if (_ownsEngine) _engine.Dispose();
    }
}
