using Osprey.Engine.Segmentation;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Osprey.Engine.Prompting;
using Osprey.Engine.Serving;
using Osprey.Engine.Tokenization;

namespace Osprey.Bench.Simulation;

/// <summary>
/// A silo's engine with the model replaced by a <see cref="CostModel"/> in simulated time: the same
/// continuous batching in outline (a token budget a step, chunked prefill beside the decodes,
/// admission by K/V memory, a bounded waiting queue), the same caching by content (an image's
/// features once encoded, the prompt of every finished turn found again by its ids), and answers of a
/// fixed length. Grains call it as they call the real engine; its steps end as events of the
/// <see cref="SimulationClock"/>.
/// </summary>
public sealed class SimulatedEngine : ISequenceEngine
{
    private readonly SimulationClock _clock;
    private readonly CostModel _cost;
    private readonly ConcurrentDictionary<long, TurnTicket> _tickets;
    private readonly ImagePromptPrefix _prefix;
    private readonly int _answerTokens, _answerId, _maxWaiting;
    private readonly LinkedList<Sequence> _waiting = new();
    private readonly List<Sequence> _running = [];
    private readonly HashSet<string> _features = [], _encoding = [], _copying = [], _copyFailed = [];
    private readonly Dictionary<string, List<(TaskCompletionSource<byte[]> Done, TurnTicket? Ticket)>> _exports = [];
    private readonly Dictionary<ulong, LinkedListNode<CachedPrompt>> _cache = [];
    private readonly LinkedList<CachedPrompt> _lru = new();
    private long _cachedBytes, _encodes, _copies, _prefilled, _generated, _sequences, _hits, _misses, _evictions;
    private bool _stepPlanned, _stopped;

    public SimulatedEngine(string silo, SimulationClock clock, CostModel cost, OspreyTokenizer tokenizer, ConcurrentDictionary<long, TurnTicket> tickets,
        int answerTokens, int maxWaiting)
    {
        Silo = silo;
        _clock = clock;
        _cost = cost;
        _tickets = tickets;
        Tokenizer = tokenizer;
        _prefix = new ImagePromptPrefix(tokenizer, cost.ImageTokens);
        _answerTokens = answerTokens;
        _answerId = tokenizer.EncodeSentencePiece("yes")[0];
        _maxWaiting = maxWaiting;
    }

    public string Silo { get; }
    public OspreyTokenizer Tokenizer { get; }
    public int ContextLength => _cost.ContextLength;

    /// <summary>Sequences this engine finished (turns served).</summary>
    public long Finished { get; private set; }

    public long ImageEncodes { get { lock (_clock.Gate) return _encodes; } }

    /// <summary>Images this engine made resident from their home's copy (replicas).</summary>
    public long FeatureCopies { get { lock (_clock.Gate) return _copies; } }

    /// <summary>Every image id this engine encoded, as often as it did.</summary>
    public List<string> EncodedImages { get; } = [];

    public int IntroductionPositions(int regionCount) =>
        _prefix.PositionsOf(Tokenizer.Encode(ConversationTemplate.OpenFirstTurn(ConversationTemplate.FirstUserMessage(regionCount, ""))));

    public int WaitingSequences { get { lock (_clock.Gate) return _waiting.Count; } }

    /// <summary>The simulation models Osprey's turns only: its silos serve no Segment Anything model.</summary>
    public SamConfig? SegmentationConfig => null;

    public Task<T> Segment<T>(ImageSource image, Func<SamPredictor, SamImageEmbedding, T> work, CancellationToken cancellationToken = default) =>
        Task.FromException<T>(new InvalidOperationException("the simulated engine serves no Segment Anything model"));

    public long FreeBytes { get { lock (_clock.Gate) return Math.Max(0, _cost.MemoryBudgetBytes - ResidentBytes()); } }

    public ServingMetrics Metrics()
    {
        lock (_clock.Gate)
            return new ServingMetrics
            {
                ImageEncodes = _encodes, FeatureCopies = _copies, KvCacheHits = _hits, KvCacheMisses = _misses, Evictions = _evictions,
                BytesResident = ResidentBytes(), MemoryBudgetBytes = _cost.MemoryBudgetBytes,
                PrefilledTokens = _prefilled, GeneratedTokens = _generated, Sequences = _sequences,
                ActiveSequences = _waiting.Count + _running.Count,
            };
    }

    public async IAsyncEnumerable<SequenceEvent> Generate(SequenceRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var events = Channel.CreateUnbounded<SequenceEvent>(new() { SingleReader = true });
        var ticket = CurrentTicket();
        Sequence sequence;
        lock (_clock.Gate)
        {
            if (_stopped) throw new ObjectDisposedException(nameof(SimulatedEngine), "The engine has stopped.");
            if (_waiting.Count >= _maxWaiting) throw new EngineQueueFullException(_maxWaiting);
            sequence = Admit(request, ticket, events.Writer);
            _waiting.AddLast(sequence);
            PlanStep();
            // The call reached its engine: it now waits for simulated time.
            ticket?.Pay();
        }
        try
        {
            await foreach (var item in events.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                yield return item;
        }
        finally
        {
            lock (_clock.Gate)
                if (!sequence.Done)
                {
                    sequence.Done = true;
                    _waiting.Remove(sequence);
                    _running.Remove(sequence);
                }
        }
    }

    /// <summary>
    /// A replica's copy of the image's features: at once when they are resident, else after this engine encodes
    /// them. The bytes stand for <see cref="CostModel.FeatureBytes"/>; the replica pays the copy's modelled time.
    /// </summary>
    public Task<byte[]> ExportFeatures(ImageSource image, CancellationToken cancellationToken = default)
    {
        var ticket = CurrentTicket();
        lock (_clock.Gate)
        {
            if (_stopped) throw new ObjectDisposedException(nameof(SimulatedEngine), "The engine has stopped.");
            if (_features.Contains(image.Id)) return Task.FromResult(FeatureStandIn(image.Id));
            var done = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!_exports.TryGetValue(image.Id, out var waiting)) _exports[image.Id] = waiting = [];
            waiting.Add((done, ticket));
            PlanStep();
            // The copy's call reached this engine: it now waits for simulated time (the encode).
            ticket?.Pay();
            return done.Task;
        }
    }

    /// <summary>The image's features are resident: replicas waiting for them get their copy.</summary>
    private void AnswerExports(string image)
    {
        if (!_exports.Remove(image, out var waiting)) return;
        foreach (var (done, ticket) in waiting)
        {
            // The replica owes simulated time its copy's landing.
            ticket?.Owe($"{Silo}: export of {image[..8]}");
            done.TrySetResult(FeatureStandIn(image));
        }
    }

    private static byte[] FeatureStandIn(string imageId) => System.Text.Encoding.ASCII.GetBytes(imageId);

    private TurnTicket? CurrentTicket() =>
        Orleans.Runtime.RequestContext.Get(TurnTicket.ContextKey) is long id && _tickets.TryGetValue(id, out var t) ? t : null;

    /// <summary>
    /// Fetches the features from the image's home for real (a grain call), then lands them after the copy's
    /// modelled time; simulated time waits for the call. A failed copy (the home is gone) makes this engine
    /// encode the image itself.
    /// </summary>
    private void StartCopy(Sequence s, Func<CancellationToken, Task<byte[]>> copy)
    {
        var image = s.Request.Image.Id;
        _copying.Add(image);
        var ticket = s.Ticket;
        ticket?.Owe($"{Silo}: copy of {image[..8]}");
        _ = Task.Run(async () =>
        {
            if (ticket is not null) Orleans.Runtime.RequestContext.Set(TurnTicket.ContextKey, ticket.Id);
            var copied = false;
            try
            {
                await copy(CancellationToken.None);
                copied = true;
            }
            catch (Exception)
            {
            }
            lock (_clock.Gate)
            {
                if (copied)
                    _clock.Schedule(_clock.NowMs + _cost.FeatureCopyMs, () =>
                    {
                        _copying.Remove(image);
                        if (_stopped) return;
                        if (_features.Add(image)) _copies++;
                        AnswerExports(image);
                        PlanStep();
                    });
                else
                {
                    _copying.Remove(image);
                    _copyFailed.Add(image);
                    PlanStep();
                }
            }
            ticket?.Pay();
        });
    }

    /// <summary>How much of the prompt the caches hold: the longest finished prompt it extends, else the image's prefix.</summary>
    private Sequence Admit(SequenceRequest request, TurnTicket? ticket, ChannelWriter<SequenceEvent> events)
    {
        var ids = request.PromptIds;
        var imageAt = ids.ToList().IndexOf(OspreyTokenizer.ImageTokenId);
        int Positions(int count) => count + (imageAt >= 0 && imageAt < count ? _cost.ImageTokens - 1 : 0);
        var keys = Keys(request);
        var promptPositions = Positions(ids.Count);
        var cached = 0;
        for (var i = ids.Count; i > _prefix.Ids.Count; i--)
            if (_cache.TryGetValue(keys[i - 1], out var hit))
            {
                cached = Positions(i);
                Touch(hit);
                break;
            }
        if (cached == 0 && _cache.TryGetValue(keys[_prefix.Ids.Count - 1], out var prefix) && _features.Contains(request.Image.Id))
        {
            cached = Positions(_prefix.Ids.Count);
            Touch(prefix);
        }
        if (cached > Positions(_prefix.Ids.Count)) _hits++; else _misses++;
        return new Sequence(Silo, request, ticket, events, keys, promptPositions, cached, Math.Min(_answerTokens, request.Sampling.MaxNewTokens));
    }

    /// <summary>
    /// Content keys of every prefix of the prompt: the image id, the ids, and (past the image's shared prefix)
    /// the regions the prompt's masks take, as the real engine keys prompts by their masks' hashes.
    /// </summary>
    private ulong[] Keys(SequenceRequest request)
    {
        var keys = new ulong[request.PromptIds.Count];
        var hash = 14695981039346656037UL ^ (ulong)StringComparer.Ordinal.GetHashCode(request.Image.Id);
        for (var i = 0; i < keys.Length; i++)
        {
            if (i == _prefix.Ids.Count) hash = Mix(hash, (ulong)RuntimeHelpers.GetHashCode(request.Regions));
            hash = Mix(hash, (ulong)(uint)request.PromptIds[i]);
            keys[i] = hash;
        }
        return keys;

        static ulong Mix(ulong h, ulong v) => (h ^ v) * 1099511628211UL + (h >> 29);
    }

    /// <summary>Plans the next step from what runs and waits, and schedules its end (under the gate).</summary>
    private void PlanStep()
    {
        if (_stepPlanned || _stopped) return;
        // Admission: batch slots and K/V memory, first come first served (no overtaking, so no starvation).
        while (_waiting.First is { } next && _running.Count < _cost.MaxBatch)
        {
            var need = (long)(next.Value.PromptPositions - next.Value.CachedPositions + next.Value.AnswerTokens) * _cost.KvBytesPerPosition;
            while (ResidentBytes() + need > _cost.MemoryBudgetBytes && _lru.Last is { } oldest) Evict(oldest);
            if (ResidentBytes() + need > _cost.MemoryBudgetBytes && _running.Count > 0) break;
            _waiting.RemoveFirst();
            next.Value.Admitted = true;
            _running.Add(next.Value);
        }
        var budget = _cost.TokenBudget;
        int decoding = 0, prefill = 0, encodes = 0;
        long context = 0;
        foreach (var s in _running)
        {
            s.Chunk = 0;
            s.Decodes = false;
            if (s.PrefillLeft == 0)
            {
                s.Decodes = true;
                decoding++;
                context += s.PromptPositions + s.GeneratedCount;
                budget--;
            }
        }
        foreach (var s in _running.Where(s => s.PrefillLeft > 0))
        {
            var image = s.Request.Image.Id;
            if (!_features.Contains(image))
            {
                if (_copying.Contains(image) || _encoding.Contains(image)) continue;
                if (s.Request.Image.FeatureCopy is { } copy && !_copyFailed.Contains(image))
                {
                    StartCopy(s, copy);
                    continue;
                }
                // The image is encoded in this step; its prompt is prefilled from the next.
                _encoding.Add(image);
                encodes++;
                continue;
            }
            if (budget <= 0) break;
            s.Chunk = Math.Min(s.PrefillLeft, budget);
            budget -= s.Chunk;
            prefill += s.Chunk;
        }
        // Replicas waiting for this engine's copy of an image it does not hold: encoded here too.
        foreach (var image in _exports.Keys)
            if (!_features.Contains(image) && _encoding.Add(image)) encodes++;
        if (decoding == 0 && prefill == 0 && encodes == 0) return;
        var ms = _cost.StepMs(prefill, decoding, context) + encodes * _cost.EncodeMs;
        _stepPlanned = true;
        _clock.Schedule(_clock.NowMs + ms, EndStep);
    }

    /// <summary>The step's work is done: encodes land, prefills advance, first tokens and finished answers are released.</summary>
    private void EndStep()
    {
        _stepPlanned = false;
        if (_stopped) return;
        foreach (var image in _encoding)
        {
            _features.Add(image);
            _encodes++;
            _copyFailed.Remove(image);
            EncodedImages.Add(image);
            AnswerExports(image);
        }
        _encoding.Clear();
        foreach (var s in _running.ToList())
        {
            if (s.Chunk > 0)
            {
                s.PrefillLeft -= s.Chunk;
                _prefilled += s.Chunk;
                if (s.PrefillLeft == 0) Token(s);
            }
            else if (s.Decodes) Token(s);
        }
        PlanStep();
    }

    private void Token(Sequence s)
    {
        s.GeneratedCount++;
        _generated++;
        if (s.GeneratedCount == 1) Release(s, new SequenceEvent(_answerId, "yes", null));
        if (s.GeneratedCount < s.AnswerTokens) return;
        var ids = Enumerable.Repeat(_answerId, s.AnswerTokens).ToList();
        _running.Remove(s);
        _sequences++;
        Finished++;
        Cache(s, s.Keys.Length - 1, s.PromptPositions + s.AnswerTokens);
        Cache(s, _prefix.Ids.Count - 1, _prefix.Positions);
        Release(s, new SequenceEvent(_answerId, "", new SequenceOutcome
        {
            PromptPositions = s.PromptPositions,
            PrefilledPositions = s.PromptPositions - s.CachedPositions,
            GeneratedIds = ids,
            Text = string.Join(' ', Enumerable.Repeat("yes", s.AnswerTokens)),
            FinishReason = "length",
            ImageWasResident = true,
        }));
        s.Done = true;
        s.Events.TryComplete();
    }

    /// <summary>An event for the client: simulated time waits until it has arrived there.</summary>
    private static void Release(Sequence s, SequenceEvent item)
    {
        s.Ticket?.Owe($"{s.Silo}: {(item.Outcome is null ? "first token" : "result")}");
        if (!s.Events.TryWrite(item)) s.Ticket?.Pay();
    }

    /// <summary>Keeps a finished prompt (or the image's prefix) findable by its key; a turn's own key covers its answer too.</summary>
    private void Cache(Sequence s, int keyIndex, int positions)
    {
        var key = keyIndex == s.Keys.Length - 1 ? AnswerKey(s) : s.Keys[keyIndex];
        if (_cache.TryGetValue(key, out var existing))
        {
            Touch(existing);
            return;
        }
        var node = _lru.AddFirst(new CachedPrompt(key, (long)positions * _cost.KvBytesPerPosition));
        _cache[key] = node;
        _cachedBytes += node.Value.Bytes;
    }

    /// <summary>The key the next turn's prompt reaches after this turn's prompt and answer ids.</summary>
    private ulong AnswerKey(Sequence s)
    {
        // The next prompt continues with the answer ids; its keys are computed the same way, so extend this one.
        var hash = s.Keys[^1];
        for (var i = 0; i < s.AnswerTokens; i++) hash = (hash ^ (ulong)(uint)_answerId) * 1099511628211UL + (hash >> 29);
        return hash;
    }

    private void Touch(LinkedListNode<CachedPrompt> node)
    {
        _lru.Remove(node);
        _lru.AddFirst(node);
    }

    private void Evict(LinkedListNode<CachedPrompt> node)
    {
        _lru.Remove(node);
        _cache.Remove(node.Value.Key);
        _cachedBytes -= node.Value.Bytes;
        _evictions++;
    }

    private long ResidentBytes() =>
        _features.Count * _cost.FeatureBytes + _cachedBytes
        + _running.Sum(s => (long)(s.PromptPositions - s.CachedPositions + s.GeneratedCount) * _cost.KvBytesPerPosition);

    public void ReleaseImage(string imageId)
    {
        lock (_clock.Gate) _features.Remove(imageId);
    }

    /// <summary>The silo died: its sequences are lost with it; their clients must hear of it before time moves on.</summary>
    public void Kill()
    {
        lock (_clock.Gate)
        {
            _stopped = true;
            foreach (var s in _waiting.Concat(_running)) s.Ticket?.Owe($"{Silo}: killed");
            FailExports();
        }
    }

    public void Dispose()
    {
        lock (_clock.Gate)
        {
            _stopped = true;
            foreach (var s in _waiting.Concat(_running).ToList())
            {
                s.Done = true;
                s.Events.TryComplete(new ObjectDisposedException(nameof(SimulatedEngine), "The engine has stopped."));
            }
            _waiting.Clear();
            _running.Clear();
            FailExports();
        }
    }

    /// <summary>Replicas waiting for this engine's copy hear that it will not come (they encode the image themselves).</summary>
    private void FailExports()
    {
        foreach (var (done, ticket) in _exports.Values.SelectMany(w => w))
        {
            ticket?.Owe($"{Silo}: export failed");
            if (!done.TrySetException(new ObjectDisposedException(nameof(SimulatedEngine), "The engine has stopped."))) ticket?.Pay();
        }
        _exports.Clear();
    }

    private sealed class Sequence(string silo, SequenceRequest request, TurnTicket? ticket, ChannelWriter<SequenceEvent> events, ulong[] keys,
        int promptPositions, int cachedPositions, int answerTokens)
    {
        public string Silo { get; } = silo;
        public SequenceRequest Request { get; } = request;
        public TurnTicket? Ticket { get; } = ticket;
        public ChannelWriter<SequenceEvent> Events { get; } = events;
        public ulong[] Keys { get; } = keys;
        public int PromptPositions { get; } = promptPositions;
        public int CachedPositions { get; } = cachedPositions;
        public int AnswerTokens { get; } = Math.Max(1, answerTokens);
        public int PrefillLeft { get; set; } = Math.Max(1, promptPositions - cachedPositions);
        public int GeneratedCount { get; set; }
        public int Chunk { get; set; }
        public bool Decodes { get; set; }
        public bool Admitted { get; set; }
        public bool Done { get; set; }
    }

    private sealed record CachedPrompt(ulong Key, long Bytes);
}
