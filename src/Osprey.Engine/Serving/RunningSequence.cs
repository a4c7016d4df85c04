using Osprey.Engine.Generation;
using Osprey.Engine.Language;
using TorchSharp;

namespace Osprey.Engine.Serving;

/// <summary>
/// An admitted sequence: its KV cache, the prompt embeddings still to prefill (over one or more steps,
/// as the token budget allows), and what it has sampled so far.
/// </summary>
internal sealed class RunningSequence(
    PendingSequence pending, ResidentImage image, CachedPrefix? source, KvCache cache,
    torch.Tensor prefillEmbeddings, SequenceSampler sampler, AnswerText text, int promptPositions, int prefilledPositions, int maxNewTokens,
    IReadOnlyList<UInt128> pairRegionHashes, long reservedBytes)
{
    public PendingSequence Pending { get; } = pending;
    public ResidentImage Image { get; } = image;

    /// <summary>The cached prefix <see cref="Cache"/> was forked from (pinned while running); null for the image's prefix.</summary>
    public CachedPrefix? Source { get; } = source;

    /// <summary>This sequence's own cache: what it finishes with is cached for prompts that start with the same content.</summary>
    public KvCache Cache { get; } = cache;

    /// <summary>The region mask hash of each &lt;mask&gt;&lt;pos&gt; pair of the prompt.</summary>
    public IReadOnlyList<UInt128> PairRegionHashes { get; } = pairRegionHashes;
    public SequenceSampler Sampler { get; } = sampler;
    public AnswerText Text { get; } = text;
    public int PromptPositions { get; } = promptPositions;
    public int PrefilledPositions { get; } = prefilledPositions;
    public int MaxNewTokens { get; } = maxNewTokens;
    public bool ImageWasResident { get; init; }
    public bool PrefixCacheHit { get; init; }

    /// <summary>
    /// K/V bytes the sequence may still add to its cache (its new prompt positions and its longest
    /// answer), held against the memory budget while it runs so admitted work cannot outgrow it.
    /// </summary>
    public long ReservedBytes { get; } = reservedBytes;

    /// <summary>[t, H] of the prompt positions that were not cached at admission; null once prefilled.</summary>
    public torch.Tensor? PrefillEmbeddings { get; private set; } = prefillEmbeddings;

    private int _prefillOffset;

    public bool IsPrefilling => PrefillEmbeddings is not null;

    /// <summary>Prompt positions not yet in the cache.</summary>
    public int PrefillRemaining => PrefillEmbeddings is null ? 0 : (int)PrefillEmbeddings.shape[0] - _prefillOffset;

    /// <summary>The next <paramref name="count"/> prompt positions to run (a view, valid until <see cref="PrefillDone"/>).</summary>
    public torch.Tensor TakePrefill(int count)
    {
        if (PrefillEmbeddings is null || count < 1 || count > PrefillRemaining)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"{PrefillRemaining} prompt positions remain");
        var chunk = PrefillEmbeddings.narrow(0, _prefillOffset, count);
        _prefillOffset += count;
        return chunk;
    }

    public List<int> Generated { get; } = [];

    /// <summary>Set when the request asked for them: float32 logits of the last prompt position.</summary>
    public bool WantsPromptLogits { get; init; }
    public float[]? PromptLogits { get; set; }

    /// <summary>When the last token was streamed (a <see cref="System.Diagnostics.Stopwatch"/> timestamp); 0 before the first.</summary>
    public long LastStreamedAt { get; set; }

    /// <summary>The last sampled token, which the next step feeds (it is not in the cache yet).</summary>
    public int LastToken => Generated[^1];

    public void PrefillDone()
    {
        PrefillEmbeddings?.Dispose();
        PrefillEmbeddings = null;
    }

    /// <summary>Frees what the sequence owns besides its cache (the sampler's generator, unsent embeddings).</summary>
    public void Release()
    {
        PrefillDone();
        Sampler.Dispose();
    }
}
