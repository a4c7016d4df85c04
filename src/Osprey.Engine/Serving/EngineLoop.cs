using System.Diagnostics;
using System.Threading.Channels;
using Osprey.Engine.Generation;
using Osprey.Engine.Tokenization;
using TorchSharp;

namespace Osprey.Engine.Serving;

/// <summary>
/// The thread that owns the model. Each iteration it takes posted commands, admits waiting sequences
/// while the batch size and the memory budget allow, runs one packed forward within the token budget
/// (<see cref="BatchStep"/>), streams the sampled tokens, retires finished or cancelled sequences, and
/// evicts down to what the budget leaves beside the running sequences' K/V. A sequence
/// whose image is not resident stays waiting while the <see cref="ImageEncoder"/> computes it beside
/// the steps, and is admitted once it lands. Segmentations run on the <see cref="SegmentationWorker"/>
/// the same way, against SAM embeddings kept in the same resident set.
/// </summary>
internal sealed class EngineLoop
{
    private readonly OspreyEngine _engine;
    private readonly ServingOptions _options;
    private readonly ServingCounters _counters;
    private readonly AdmissionQueueBound _queue;
    private readonly ChannelReader<EngineCommand> _commands;
    private readonly ImageEncoder _encoder;
    private readonly EncodeSlicing _slicing;
    private readonly ResidentSet _resident;
    private readonly ImageResidency _images;
    private readonly SegmentationWorker? _segmentationWorker;
    private readonly ImageSegmentation? _segmentation;
    private readonly FeatureExports _exports;
    private readonly ImagePromptPrefix _prefix;
    private readonly SequenceAdmission _admission;
    private readonly BatchStep _step;
    private readonly PrefillPacing _pacing;
    private readonly Queue<PendingSequence> _waiting = new();
    private readonly List<RunningSequence> _running = [];
    private readonly Thread _thread;
    private readonly TaskCompletionSource<TimeSpan> _warmedUp = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public EngineLoop(OspreyEngine engine, ImagePromptPrefix prefix, ServingOptions options, ServingCounters counters, AdmissionQueueBound queue,
        Channel<EngineCommand> commands, SegmentationWorker? segmentationWorker)
    {
        _engine = engine;
        _options = options;
        _counters = counters;
        _queue = queue;
        _commands = commands.Reader;
        _resident = new ResidentSet(options.MemoryBudgetBytes, counters);
        _slicing = new EncodeSlicing(options.EncodeTurnPerStep, counters);
        _encoder = new ImageEncoder(engine, prefix, options.EncodeThreads, _slicing, commands.Writer.TryWrite, options.Latency);
        _images = new ImageResidency(prefix, _resident, counters, _encoder);
        _exports = new FeatureExports(commands.Writer.TryWrite);
        _segmentationWorker = segmentationWorker;
        if (segmentationWorker is not null)
            _segmentation = new ImageSegmentation(segmentationWorker, _resident, counters, commands.Writer.TryWrite);
        _admission = new SequenceAdmission(engine, prefix, _images, _resident, counters, engine.Config.Language.MaxPositionEmbeddings);
        _prefix = prefix;
        _step = new BatchStep(engine);
        _pacing = new PrefillPacing(options.DecodeStepStretch, firstProbe: options.MaxBatchSize);
        _thread = new Thread(Run) { Name = "osprey-engine", IsBackground = true };
    }

    public void Start() => _thread.Start();

    public void Join() => _thread.Join();

    public void RunOnThisThread() => Run();

    public Task<TimeSpan> WarmedUp => _warmedUp.Task;

    private void Run()
    {
        WarmUp();
        using var inference = torch.inference_mode();
        _encoder.Start();
        try
        {
            while (WaitForWork())
            {
                TakeCommands();
                RetireCancelled();
                AdmitWaiting();
                // Admission may have made features resident: account for them before any token streams.
                _resident.EvictToBudget(ReservedBytes);
                var step = TimeSpan.Zero;
                if (_running.Count > 0)
                {
                    _slicing.Stepping();
                    var started = Stopwatch.GetTimestamp();
                    Step();
                    step = Stopwatch.GetElapsedTime(started);
                }
                _resident.EvictToBudget(ReservedBytes);
                _counters.SetActiveSequences(_running.Count + _waiting.Count);
                // Between two steps an encode in progress gets its turn; with nothing running it runs free.
                if (_running.Count > 0) _slicing.LendTurn(step);
                else _slicing.Idle();
            }
        }
        finally
        {
            var stopped = new OperationCanceledException("The engine stopped.");
            // An encode in progress is abandoned at its next slice; what it posted before is drained (and disposed) below.
            _slicing.Stop();
            _encoder.Dispose();
            // Likewise the segmentation in progress; its queued work runs against embeddings still resident.
            _segmentationWorker?.Dispose();
            _exports.WaitForAll();
            _images.Abandon(stopped);
            _segmentation?.Abandon(stopped);
            foreach (var sequence in _running) Fail(sequence, stopped);
            foreach (var pending in _waiting)
            {
                _queue.Leave();
                pending.Events.TryComplete(stopped);
            }
            while (_commands.TryRead(out var command)) Reject(command, stopped);
            _resident.Dispose();
            _counters.SetActiveSequences(0);
        }
    }

    // A warm-up that fails is the host's to report; the loop serves regardless, and each request meets its own error.
    private void WarmUp()
    {
        if (!_options.WarmUp)
        {
            _warmedUp.TrySetResult(TimeSpan.Zero);
            return;
        }
        try
        {
            _warmedUp.TrySetResult(ServingWarmUp.Run(_engine, _options, _segmentationWorker));
        }
        catch (Exception error)
        {
            _warmedUp.TrySetException(error);
        }
    }

    /// <summary>
    /// Blocks only when nothing runs and every waiting sequence waits for an encode (which posts when it
    /// lands); false once the command channel is closed and drained.
    /// </summary>
    private bool WaitForWork()
    {
        if (_running.Count > 0 || _waiting.Any(p => p.Cancelled || !_images.IsEncoding(p.Request.Image.Id))) return true;
        return _commands.WaitToReadAsync().AsTask().GetAwaiter().GetResult();
    }

    private void TakeCommands()
    {
        while (_commands.TryRead(out var command))
        {
            switch (command)
            {
                case StartSequence start:
                    _waiting.Enqueue(start.Sequence);
                    break;
                case EnsureImage ensure:
                    _images.Ensure(ensure.Image, ensure.Done);
                    break;
                case ImageEncoded encoded:
                    if (_images.Land(encoded) is { } error) FailWaitingOn(encoded.Source.Id, error);
                    break;
                case ExportImageFeatures export when _resident.TryGetImage(export.ImageId) is { } image:
                    _exports.Start(image, export.Done);
                    break;
                case FeaturesExported exported:
                    FeatureExports.Finish(exported);
                    break;
                case ExportImageFeatures export:
                    export.Done.TrySetException(new InvalidOperationException($"Image {export.ImageId} was evicted before its features were copied."));
                    break;
                case ReleaseImage release:
                    _resident.RemoveImage(release.ImageId);
                    break;
                case SegmentImage segment when _segmentation is not null:
                    _segmentation.Submit(segment.Image, segment.Job);
                    break;
                case SegmentImage segment:
                    segment.Job.Fail(new InvalidOperationException("This engine has no Segment Anything model."));
                    break;
                case SegmentationEmbedded embedded:
                    _segmentation?.Land(embedded);
                    break;
                case SegmentationDone done:
                    ImageSegmentation.Finish(done);
                    break;
            }
        }
    }

    private void RetireCancelled()
    {
        for (var i = _running.Count - 1; i >= 0; i--)
        {
            if (!_running[i].Pending.Cancelled) continue;
            Fail(_running[i], new OperationCanceledException("The sequence was cancelled."));
            _running.RemoveAt(i);
        }
        // A cancelled sequence still waiting would hold a place in the bounded queue until a slot frees.
        for (var n = _waiting.Count; n > 0; n--)
        {
            var pending = _waiting.Dequeue();
            if (!pending.Cancelled)
            {
                _waiting.Enqueue(pending);
                continue;
            }
            _queue.Leave();
            pending.Events.TryComplete(new OperationCanceledException("The sequence was cancelled."));
        }
    }

    /// <summary>An image that could not be encoded fails only the sequences that need it.</summary>
    private void FailWaitingOn(string imageId, Exception error)
    {
        for (var n = _waiting.Count; n > 0; n--)
        {
            var pending = _waiting.Dequeue();
            if (pending.Request.Image.Id != imageId)
            {
                _waiting.Enqueue(pending);
                continue;
            }
            _queue.Leave();
            pending.Events.TryComplete(error);
        }
    }

    private long ReservedBytes => _running.Sum(s => s.ReservedBytes);

    /// <summary>
    /// Admits waiting sequences in order up to the batch size; one whose image is not resident has its
    /// encode started and keeps its place while later ones go ahead. A sequence whose K/V could outgrow
    /// what the memory budget leaves beside the running ones and the pinned entries waits, and so do the
    /// ones behind it (first come, first served: a large prompt is not overtaken forever); with nothing
    /// running it is admitted anyway, as nothing else could make room.
    /// </summary>
    private void AdmitWaiting()
    {
        for (var n = _waiting.Count; n > 0 && _running.Count < _options.MaxBatchSize; n--)
        {
            var pending = _waiting.Peek();
            if (!pending.Cancelled && !_images.IsResident(pending.Request.Image.Id))
            {
                _waiting.Dequeue();
                _images.Request(pending.Request.Image, forSequence: true);
                _waiting.Enqueue(pending);
                continue;
            }
            if (!pending.Cancelled && _running.Count > 0
                && ReservedBytes + _admission.MostBytes(pending) > _resident.BudgetBytes - _resident.PinnedBytes)
                break;
            _waiting.Dequeue();
            _queue.Leave();
            if (pending.Cancelled)
            {
                pending.Events.TryComplete(new OperationCanceledException("The sequence was cancelled."));
                continue;
            }
            try
            {
                _running.Add(_admission.Admit(pending));
            }
            catch (Exception e)
            {
                pending.Events.TryComplete(e);
            }
        }
    }

    private void Step()
    {
        IReadOnlyList<RunningSequence> sampled;
        var decodes = _running.Count(s => !s.IsPrefilling);
        var promptPositions = Math.Min(_pacing.PromptPositions(decodes, _running.Count - decodes, _options.MaxBatchedTokens - decodes),
            _running.Where(s => s.IsPrefilling).Sum(s => s.PrefillRemaining));
        var started = Stopwatch.GetTimestamp();
        try
        {
            sampled = _step.Run(_running, promptPositions);
            var elapsed = Stopwatch.GetElapsedTime(started);
            _pacing.Observe(decodes, promptPositions, elapsed);
            _options.Latency?.StepRan(elapsed, decodes, promptPositions);
        }
        catch (Exception e)
        {
            foreach (var sequence in _running) Fail(sequence, e);
            _running.Clear();
            return;
        }
        var eos = _engine.Tokenizer.EosId;
        foreach (var sequence in sampled)
        {
            var token = sequence.LastToken;
            var stopped = token == eos;
            if (!stopped)
            {
                _counters.Generated(1);
                RecordWait(sequence);
                sequence.Pending.Events.TryWrite(new SequenceEvent(token, sequence.Text.Push(token), null));
                stopped = sequence.Text.StopString is not null;
            }
            var generated = token == eos ? sequence.Generated.Count - 1 : sequence.Generated.Count;
            if (stopped || generated >= sequence.MaxNewTokens || sequence.Cache.Length >= _engine.Config.Language.MaxPositionEmbeddings)
            {
                Finish(sequence, stopped ? FinishReason.Stop : FinishReason.Length);
                _running.Remove(sequence);
            }
        }
    }

    private void RecordWait(RunningSequence sequence)
    {
        var now = Stopwatch.GetTimestamp();
        if (_options.Latency is { } latency)
        {
            if (sequence.LastStreamedAt == 0) latency.FirstToken(Stopwatch.GetElapsedTime(sequence.Pending.SubmittedAt, now));
            else latency.NextToken(Stopwatch.GetElapsedTime(sequence.LastStreamedAt, now));
        }
        sequence.LastStreamedAt = now;
    }

    private void Finish(RunningSequence sequence, string reason)
    {
        var endedByEos = sequence.LastToken == _engine.Tokenizer.EosId;
        var generated = endedByEos ? sequence.Generated.SkipLast(1).ToList() : [.. sequence.Generated];
        Keep(sequence);
        Unpin(sequence);
        sequence.Release();
        _counters.SequenceFinished();
        var tail = sequence.Text.Flush();
        sequence.Pending.Events.TryWrite(new SequenceEvent(-1, tail, new SequenceOutcome
        {
            PromptPositions = sequence.PromptPositions,
            PrefilledPositions = sequence.PrefilledPositions,
            GeneratedIds = generated,
            Text = sequence.Text.Released,
            FinishReason = reason,
            StopString = sequence.Text.StopString,
            PromptLogits = sequence.PromptLogits,
            ImageWasResident = sequence.ImageWasResident,
            PrefixCacheHit = sequence.PrefixCacheHit,
        }));
        sequence.Pending.Events.TryComplete();
    }

    /// <summary>
    /// Caches what the sequence computed, found by content from now on: its prompt and every sampled
    /// token but the last, which never went through the model.
    /// </summary>
    private void Keep(RunningSequence sequence)
    {
        var request = sequence.Pending.Request;
        List<int> covered = [.. request.PromptIds, .. sequence.Generated.SkipLast(1)];
        var blocks = PromptBlocks.Of(sequence.Image.Id, covered, _prefix.Ids.Count, _engine.Tokenizer.MaskId,
            request.RegionOrder, request.Regions?.Hashes ?? []);
        _resident.Add(new CachedPrefix(sequence.Image.Id, sequence.Cache, covered, sequence.PairRegionHashes), blocks);
    }

    private static void Unpin(RunningSequence sequence)
    {
        sequence.Image.Pins--;
        if (sequence.Source is not null) sequence.Source.Pins--;
    }

    /// <summary>Frees the slot; a cache left half-extended is dropped, not kept.</summary>
    private void Fail(RunningSequence sequence, Exception error)
    {
        sequence.Release();
        sequence.Cache.Dispose();
        Unpin(sequence);
        sequence.Pending.Events.TryComplete(error);
    }

    private void Reject(EngineCommand command, Exception error)
    {
        switch (command)
        {
            case StartSequence start:
                _queue.Leave();
                start.Sequence.Events.TryComplete(error);
                break;
            case EnsureImage ensure: ensure.Done.TrySetException(error); break;
            case ExportImageFeatures export: export.Done.TrySetException(error); break;
            case ImageEncoded encoded: encoded.Image?.Dispose(); break;
            case SegmentImage segment: segment.Job.Fail(error); break;
            case SegmentationEmbedded embedded: embedded.Embedding?.Dispose(); break;
        }
    }
}
