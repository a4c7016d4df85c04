using TorchSharp;
using Osprey.Engine.Config;
using Osprey.Engine.Layers;
using static TorchSharp.torch;

namespace Osprey.Engine.Language;

/// <summary>
/// A LLaMA language model with its output head, driven as a packed multi-sequence forward: the
/// next tokens of any number of sequences (prefills and decode steps alike) go through every dense
/// operation as one [Σt, hidden] batch, so concurrent sequences share each pass over the weights,
/// while attention runs per sequence against that sequence's <see cref="KvCache"/>. Parameter names
/// follow Hugging Face (<c>model.layers.{i}.self_attn.q_proj.weight</c>, …, <c>lm_head.weight</c>,
/// the latter absent when the head is tied to the embeddings).
/// </summary>
public sealed class LlamaForCausalLM : nn.Module
{
    public LlamaModel model;
    public Linear? lm_head;

    private readonly RotaryEmbedding _rotary;

    public LanguageConfig Config { get; }

    /// <summary>When set, every forward pass adds the time of each of its parts to it (the bench's decode profile).</summary>
    public StepProfile? Profile { get; set; }

    public LlamaForCausalLM(LanguageConfig config, ParameterAllocation alloc) : base(nameof(LlamaForCausalLM))
    {
        if (config.HiddenSize % config.NumHeads != 0)
            throw new ArgumentException($"hidden size {config.HiddenSize} is not a multiple of {config.NumHeads} heads", nameof(config));
        if (config.NumHeads % config.NumKeyValueHeads != 0)
            throw new ArgumentException($"{config.NumHeads} heads are not a multiple of {config.NumKeyValueHeads} key/value heads", nameof(config));
        Config = config;
        model = new LlamaModel(config, alloc);
        if (!config.TieWordEmbeddings) lm_head = new Linear(config.HiddenSize, config.VocabSize, hasBias: false, alloc);
        _rotary = new RotaryEmbedding(config.HeadDim, config.RopeTheta, config.MaxPositionEmbeddings);
        RegisterComponents();
    }

    /// <summary>
    /// Rearranges the decoder's and the head's product weights in place for <see cref="PackedBFloat16Weight"/>
    /// (bfloat16 on a CPU with bfloat16 instructions; elsewhere nothing changes) and says whether it did.
    /// For a model that only serves from now on: the weights' own parameters read as the rearranged bytes,
    /// so the model can no longer be trained, saved or reloaded in place. A tied head stays as it is (the
    /// embeddings read it).
    /// </summary>
    public bool PackForServing()
    {
        var packed = true;
        foreach (var layer in model.layers) packed &= layer.self_attn.PackForServing() & layer.mlp.PackForServing();
        if (lm_head is not null) packed &= lm_head.PackForServing();
        return _packed = packed;
    }

    private bool _packed;

    /// <summary>The dtype and device the parameters currently live in (what inputs and caches must use).</summary>
    public ScalarType DType => model.embed_tokens.weight.dtype;
    public Device Device => model.embed_tokens.weight.device;

    /// <summary>An empty cache shaped for this model, in its current dtype and device.</summary>
    public KvCache NewCache() => new(CacheLayout);

    public KvCacheLayout CacheLayout =>
        new(Config.NumLayers, Config.NumKeyValueHeads, Config.HeadDim, DType, Device.type, Device.index);

    /// <summary>int64 ids [t] → input embeddings [t, hidden] in the model dtype.</summary>
    public Tensor EmbedTokens(Tensor ids)
    {
        if (ids.dim() != 1) throw new ArgumentException($"token ids must be one-dimensional [t], got shape [{string.Join(", ", ids.shape)}]", nameof(ids));
        return model.embed_tokens.forward(ids);
    }

    /// <summary>
    /// Runs the chunks as one packed pass. Every chunk's K/V are appended to its cache (its
    /// positions start at the cache's length). Returns float32 logits: [N, vocab] at the last
    /// position of each of the N chunks, or [Σt, vocab] at every position when
    /// <paramref name="allPositions"/>. Caches stay unchanged when the pass fails.
    /// </summary>
    public Tensor Forward(IReadOnlyList<SequenceChunk> chunks, bool allPositions = false)
    {
        using var pass = BeginPass(chunks);
        using var scope = torch.NewDisposeScope();
        var hidden = ForwardHidden(chunks, capture: null, out var batch);
        if (!allPositions && batch.TotalTokens > batch.Chunks.Count)
        {
            using var _ = Profile.Time("last positions");
            var last = batch.Chunks.Select(c => (long)(c.Offset + c.Length - 1)).ToArray();
            hidden = hidden.index_select(0, torch.tensor(last, device: hidden.device));
        }
        using var head = Profile.Time("head");
        return scope.MoveToOuter(Logits(hidden));
    }

    /// <summary>
    /// The same packed pass without the output head: final-normed hidden states [Σt, hidden] at every
    /// position, chunks in order. Training uses it to apply the (vocabulary-wide, costly) head only
    /// at the positions that carry a loss.
    /// </summary>
    public Tensor ForwardHidden(IReadOnlyList<SequenceChunk> chunks) => ForwardHidden(chunks, capture: null);

    /// <summary>The same, with some layers' queries and keys left in <paramref name="capture"/> for a loss on where they attend.</summary>
    public Tensor ForwardHidden(IReadOnlyList<SequenceChunk> chunks, AttentionCapture? capture)
    {
        if (capture is not null && capture.Layers.Any(l => l < 0 || l >= Config.NumLayers))
            throw new ArgumentOutOfRangeException(nameof(capture), $"layers {string.Join(", ", capture.Layers)}: the model has 0..{Config.NumLayers - 1}");
        using var pass = BeginPass(chunks);
        return ForwardHidden(chunks, capture, out _);
    }

    /// <summary>
    /// Starts a pass of one chunk that runs a third of a layer per <see cref="LayeredPrefill.RunStage"/> and only
    /// fills its cache: for a caller that pauses between stages. The chunk's embeddings must stay alive
    /// until the pass is done.
    /// </summary>
    public LayeredPrefill BeginLayeredPrefill(SequenceChunk chunk)
    {
        Validate([chunk]);
        using var scope = torch.NewDisposeScope();
        chunk.Cache.BeginAppend((int)chunk.Embeddings.shape[0]);
        var batch = new PackedSequences([chunk], _rotary, Config.NumHeads / Config.NumKeyValueHeads, DType, Device);
        // The pass outlives this scope and any the caller has open: it owns the rotations and the mask.
        scope.Detach(batch.Cos, batch.Sin);
        foreach (var packed in batch.Chunks)
            if (packed.CausalMask is { } mask) scope.Detach(mask);
        return new LayeredPrefill([.. model.layers], chunk, batch, () => BeginPass([chunk]));
    }

    /// <summary>A pass of a decode step's few rows runs its products on the row-streaming kernel (null when it does not qualify).</summary>
    private FewRowPass? BeginPass(IReadOnlyList<SequenceChunk> chunks) =>
        FewRowPass.Begin(chunks?.Sum(c => c?.Embeddings?.shape[0] ?? 0) ?? 0, DType, Device, _packed);

    /// <summary>Hidden states [n, hidden] → float32 logits [n, vocab] through the head (the embeddings when tied).</summary>
    public Tensor Logits(Tensor hidden)
    {
        var head = lm_head?.weight ?? model.embed_tokens.weight;
        using var scope = torch.NewDisposeScope();
        // Through the same few-row rule as every other product: a batch of decodes is a few rows here too.
        return scope.MoveToOuter(Linear.Product(hidden, head, null).to_type(ScalarType.Float32));
    }

    private Tensor ForwardHidden(IReadOnlyList<SequenceChunk> chunks, AttentionCapture? capture, out PackedSequences batch)
    {
        Validate(chunks);
        using var scope = torch.NewDisposeScope();
        Tensor embeddings;
        using (Profile.Time("positions, masks, packing"))
        {
            foreach (var chunk in chunks) chunk.Cache.BeginAppend((int)chunk.Embeddings.shape[0]);
            batch = new PackedSequences(chunks, _rotary, Config.NumHeads / Config.NumKeyValueHeads, DType, Device) { Profile = Profile, Capture = capture };
            embeddings = chunks.Count == 1 ? chunks[0].Embeddings : torch.cat(chunks.Select(c => c.Embeddings).ToArray(), 0);
        }
        var hidden = model.Forward(embeddings, batch);
        foreach (var chunk in chunks) chunk.Cache.CommitAppend((int)chunk.Embeddings.shape[0]);
        return scope.MoveToOuter(hidden);
    }

    private void Validate(IReadOnlyList<SequenceChunk> chunks)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        if (chunks.Count == 0) throw new ArgumentException("a forward pass needs at least one chunk", nameof(chunks));
        var layout = CacheLayout;
        var seen = new HashSet<KvCache>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < chunks.Count; i++)
        {
            var chunk = chunks[i] ?? throw new ArgumentException($"chunk {i} is null", nameof(chunks));
            var e = chunk.Embeddings ?? throw new ArgumentException($"chunk {i} has no embeddings", nameof(chunks));
            var cache = chunk.Cache ?? throw new ArgumentException($"chunk {i} has no cache", nameof(chunks));
            if (e.dim() != 2 || e.shape[1] != Config.HiddenSize)
                throw new ArgumentException($"chunk {i}: embeddings must be [t, {Config.HiddenSize}], got [{string.Join(", ", e.shape)}]", nameof(chunks));
            if (e.shape[0] == 0) throw new ArgumentException($"chunk {i} has no tokens", nameof(chunks));
            if (e.dtype != layout.DType || e.device.type != layout.DeviceType || e.device.index != layout.DeviceIndex)
                throw new ArgumentException($"chunk {i}: embeddings are {e.dtype} on {e.device}, the model is {layout.DType} on {layout.Device}", nameof(chunks));
            ObjectDisposedException.ThrowIf(cache.IsDisposed, cache);
            if (cache.IsFrozen) throw new KvCacheFrozenException();
            if (cache.Layout != layout)
                throw new ArgumentException($"chunk {i}: its cache was made for another model shape, dtype or device ({cache.Layout})", nameof(chunks));
            if (!seen.Add(cache)) throw new ArgumentException($"chunk {i}: a cache may appear only once in a forward pass", nameof(chunks));
            var end = cache.Length + (int)e.shape[0];
            if (end > Config.MaxPositionEmbeddings) throw new ContextLengthExceededException(end, Config.MaxPositionEmbeddings);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _rotary.Dispose();
        base.Dispose(disposing);
    }
}
