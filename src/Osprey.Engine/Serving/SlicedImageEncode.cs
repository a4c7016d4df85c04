using Osprey.Engine.Imaging;
using Osprey.Engine.Language;
using Osprey.Engine.Multimodal;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Serving;

/// <summary>
/// An image's resident state — features and the K/V of the shared prompt prefix — computed in short
/// slices: decode; preprocess; each slice of the image encode (<see cref="ImageEncodePass"/>: the
/// trunk's stem, downsamples and blocks, then the projector); the prefix's embeddings; then the prefix
/// prefilled <see cref="PrefillChunkPositions"/> positions at a time, a third of a decoder layer per slice. The
/// image encoder pauses between slices while decode steps run. Run in a row or with pauses, the same
/// operations run in the same order, so the result is the same bits either way.
/// </summary>
public sealed class SlicedImageEncode : IDisposable
{
    /// <summary>
    /// Positions of the prefix prefilled together: large enough that the products run near the matmul
    /// peak, while a third of a layer of a chunk (a slice, <see cref="LayeredPrefill"/>) stays below a
    /// decode step. Bench model on a 2-core AMD EPYC: in fp32 on AVX2 (2026-12-03) 64 positions took
    /// 250–560 ms a layer against a 203 ms step; in bf16 with AVX512_BF16 (2026-12-04) a median 81 ms a
    /// layer, longest 152 ms, against a 77 ms step. While a slice was a whole layer, CPUs prefilled 32
    /// positions at a time and the longest slice was still one of these (113 ms against a 58 ms step,
    /// 2026-12-05). One size for every engine, so every encode gives the same bits.
    /// </summary>
    public const int PrefillChunkPositions = 64;

    private readonly OspreyEngine _engine;
    private readonly IReadOnlyList<int> _prefixIds;
    private readonly ImageSource _source;
    private readonly int _chunkPositions;
    private RgbImage? _rgb;
    private ImageEncodePass? _image;
    private ImageFeatures? _features;
    private Tensor? _embeddings;
    private KvCache? _cache;
    private LayeredPrefill? _prefill;
    private Tensor? _chunk;
    private int _prefilled;
    private bool _done;

    /// <param name="prefixIds">The shared prompt prefix (<see cref="ImagePromptPrefix.Ids"/>).</param>
    /// <param name="prefillChunkPositions">Positions prefilled together; null: <see cref="PrefillChunkPositions"/>.</param>
    /// <param name="copiedFeatures">The image's features copied from another silo: no pixels decoded, no vision
    /// slices, only the prefix's; this encode owns them from here.</param>
    public SlicedImageEncode(OspreyEngine engine, IReadOnlyList<int> prefixIds, ImageSource source,
        int? prefillChunkPositions = null, ImageFeatures? copiedFeatures = null)
    {
        _chunkPositions = prefillChunkPositions ?? PrefillChunkPositions;
        ArgumentOutOfRangeException.ThrowIfLessThan(_chunkPositions, 1, nameof(prefillChunkPositions));
        _engine = engine;
        _prefixIds = prefixIds;
        _source = source;
        _features = copiedFeatures;
    }

    public bool IsDone => _done;

    /// <summary>The part of the state the next <see cref="RunSlice"/> computes.</summary>
    public EncodeSlicePart NextPart =>
        _done ? throw new InvalidOperationException("The image encode has run every slice.")
        : _image is null && _features is null ? (_rgb is null ? EncodeSlicePart.Decode : EncodeSlicePart.Pixels)
        : _image is not null ? EncodeSlicePart.Vision
        : _embeddings is null ? EncodeSlicePart.PromptEmbedding
        : EncodeSlicePart.PrefixPrefill;

    /// <summary>Runs the next slice. What it throws leaves the encode fit only for disposal.</summary>
    public void RunSlice()
    {
        if (_done) throw new InvalidOperationException("The image encode has run every slice.");
        var model = _engine.Model;
        if (_image is null && _features is null)
        {
            // Decoding and preprocessing in two slices: together they were an encode's longest slice (45–93 ms
            // for a 640×480 PNG against a 45–54 ms bf16 decode step, 2026-12-05).
            if (_rgb is null)
            {
                _rgb = _source.Decode();
                return;
            }
            using var pixels = _engine.Preprocess(_rgb);
            _image = model.BeginEncodeImage(pixels);
            _rgb = null;
            return;
        }
        if (_image is { } image)
        {
            image.RunSlice();
            if (!image.IsDone) return;
            _features = image.TakeFeatures();
            image.Dispose();
            _image = null;
            return;
        }
        if (_embeddings is null)
        {
            _cache = model.llm.NewCache();
            using var scope = torch.NewDisposeScope();
            _embeddings = scope.Detach(model.EmbedPrompt([.. _prefixIds], _features, null));
            // Room for the whole prefix at once, as a single prefill would reserve it: chunk by chunk, the
            // storage would grow (and copy) several times and keep the slack of its last growth resident.
            _cache.BeginAppend((int)_embeddings.shape[0]);
            return;
        }
        if (_prefill is null)
        {
            var length = Math.Min(_chunkPositions, (int)_embeddings.shape[0] - _prefilled);
            _chunk = _embeddings.narrow(0, _prefilled, length);
            _prefill = model.llm.BeginLayeredPrefill(new SequenceChunk(_chunk, _cache!));
        }
        _prefill.RunStage();
        if (!_prefill.IsDone) return;
        _prefilled += (int)_chunk!.shape[0];
        _prefill.Dispose();
        _prefill = null;
        _chunk.Dispose();
        _chunk = null;
        if (_prefilled < _embeddings.shape[0]) return;
        _embeddings.Dispose();
        _embeddings = null;
        _done = true;
    }

    /// <summary>Every slice in a row.</summary>
    public void RunToEnd()
    {
        while (!_done) RunSlice();
    }

    /// <summary>The features and the prefix's K/V once every slice has run; the caller owns them.</summary>
    public (ImageFeatures Features, KvCache PrefixCache) TakeResult()
    {
        if (!_done || _features is null || _cache is null)
            throw new InvalidOperationException(_done ? "The image encode's result was taken already." : "The image encode has slices left to run.");
        var result = (_features, _cache);
        _features = null;
        _cache = null;
        return result;
    }

    public void Dispose()
    {
        _prefill?.Dispose();
        _chunk?.Dispose();
        _embeddings?.Dispose();
        _cache?.Dispose();
        _features?.Dispose();
        _image?.Dispose();
        _prefill = null;
        _chunk = null;
        _embeddings = null;
        _cache = null;
        _features = null;
        _image = null;
    }
}
