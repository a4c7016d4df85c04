using Osprey.Engine.Imaging;
using Osprey.Engine.Language;
using Osprey.Engine.Multimodal;
using Osprey.Engine.Prompting;
using Osprey.Engine.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Training.Training;

/// <summary>
/// Next-token cross-entropy on answer tokens only: every example goes through the same path as
/// inference (CLIP preprocessing at the model's image size, trunk → projector image tokens, mask
/// extractor region tokens in mention order, embedding splice), the examples are packed into one
/// decoder pass (each with its own fresh cache, so no padding), and the vocabulary head runs only
/// at the positions that predict an answer token. Prompt, image and region positions carry no loss.
/// With a <see cref="RegionAttention"/> the same pass also adds that term on where some layers attend.
/// </summary>
public sealed class AnswerLoss
{
    private readonly OspreyModel _model;
    private readonly AnswerTokenizer _tokenizer;
    private readonly ClipPreprocessor _preprocessor;

    private readonly RegionAttention? _regionAttention;
    private readonly int _maskId;
    private readonly int _questionMarkId;

    public AnswerLoss(OspreyModel model, OspreyTokenizer tokenizer, RegionAttention? regionAttention = null)
    {
        _model = model;
        _tokenizer = new AnswerTokenizer(tokenizer);
        _preprocessor = new ClipPreprocessor(model.Config.ImageSize);
        regionAttention?.Validate(model.llm.Config.NumLayers, model.llm.Config.NumHeads);
        _regionAttention = regionAttention;
        _maskId = tokenizer.MaskId;
        // "?" as it follows a word (a lone "?" encodes as its own word-initial piece).
        _questionMarkId = tokenizer.Encode("a?", addBos: false)[^1];
    }

    /// <summary>The mean cross-entropy over the batch's answer tokens.</summary>
    public BatchLoss Compute(IReadOnlyList<TrainingExample> batch) => Compute(batch, nn.Reduction.Mean);

    /// <summary>
    /// The summed cross-entropy over the batch's answer tokens: shards of one batch add up to the
    /// batch's sum, which is divided by the whole batch's answer-token count once they are merged.
    /// </summary>
    public BatchLoss ComputeSum(IReadOnlyList<TrainingExample> batch) => Compute(batch, nn.Reduction.Sum);

    private BatchLoss Compute(IReadOnlyList<TrainingExample> batch, nn.Reduction reduction)
    {
        if (batch.Count == 0) throw new ArgumentException("an empty batch has no loss", nameof(batch));
        using var scope = torch.NewDisposeScope();
        var chunks = new List<SequenceChunk>(batch.Count);
        var caches = new List<KvCache>(batch.Count);
        var rows = new List<long>();
        var targets = new List<long>();
        var taught = new List<(int Start, AttentionTarget Target)>();
        int offset = 0;
        try
        {
            foreach (var example in batch)
            {
                var tokens = _tokenizer.Tokenize(example);
                var embeddings = Embed(example, tokens.Ids, out int imageTokens);
                // Position of each id once the image placeholder expands; the logits at position p predict p + 1.
                var starts = PromptPositions.Starts(tokens.Ids, imageTokens);
                for (int i = 0; i < tokens.Ids.Length; i++)
                {
                    if (!tokens.IsTarget[i]) continue;
                    rows.Add(offset + starts[i] - 1);
                    targets.Add(tokens.Ids[i]);
                }
                if (_regionAttention is not null)
                    taught.AddRange(_regionAttention.Targets(example, tokens, starts, _maskId, _questionMarkId).Select(t => (Start: offset, Target: t)));
                var cache = _model.llm.NewCache();
                caches.Add(cache);
                chunks.Add(new SequenceChunk(embeddings, cache));
                offset += (int)embeddings.shape[0];
            }
            using var capture = taught.Count > 0 ? new AttentionCapture(taught.Select(t => t.Target.Layer).Distinct().ToList()) : null;
            var hidden = _model.llm.ForwardHidden(chunks, capture);
            var logits = _model.llm.Logits(hidden.index_select(0, torch.tensor(rows.ToArray(), device: hidden.device)));
            var loss = nn.functional.cross_entropy(logits, torch.tensor(targets.ToArray(), device: logits.device), reduction: reduction);
            (double All, double? Later)? mass = null;
            if (capture is not null)
            {
                var (term, meanMass) = LookTerm(capture, taught, offset);
                mass = meanMass;
                // Mean: the term's mean over its rows; sum: its sum, so shards add up as the answer loss's do.
                var weighted = (reduction == nn.Reduction.Mean ? term.mean() : term.sum()).mul(torch.tensor(_regionAttention!.Weight, dtype: term.dtype));
                loss = loss.add(weighted, Engine.Layers.PinnedScalars.One);
            }
            return new BatchLoss(scope.MoveToOuter(loss), targets.Count, offset) { RegionAttentionMass = mass };
        }
        finally
        {
            foreach (var cache in caches) cache.Dispose();
        }
    }

    /// <summary>
    /// −log of the taught heads' attention mass on each target's positions [targets] (a target for every
    /// head of its layer averaged over them), and the mean mass of the lookups (all rows; rows about
    /// region2 or later).
    /// </summary>
    private (Tensor Term, (double All, double? Later) MeanMass) LookTerm(AttentionCapture capture, List<(int Start, AttentionTarget Target)> taught, int total)
    {
        var config = _model.llm.Config;
        var groups = config.NumHeads / config.NumKeyValueHeads;
        var terms = new List<Tensor>();
        var lookups = new List<(int Region, float Mass)>();
        using Scalar end = total, minusInfinity = float.NegativeInfinity;
        foreach (var group in taught.GroupBy(t => (t.Target.Layer, t.Target.Head, t.Target.Positions.Length)))
        {
            var items = group.ToList();
            var (queriesOfLayer, keysOfLayer) = capture.Of(group.Key.Layer);
            var device = queriesOfLayer.device;
            var heads = group.Key.Head >= 0 ? [group.Key.Head] : Enumerable.Range(0, config.NumHeads).ToArray();
            var rowIndex = torch.tensor(items.Select(t => (long)(t.Start + t.Target.Row)).ToArray(), device: device);
            var headIndex = torch.tensor(heads.Select(h => (long)h).ToArray(), device: device);
            var kvIndex = torch.tensor(heads.Select(h => (long)(h / groups)).ToArray(), device: device);
            var queries = queriesOfLayer.index_select(0, rowIndex).index_select(1, headIndex).transpose(0, 1);  // [h, rows, d]
            var keys = keysOfLayer.index_select(1, kvIndex).transpose(0, 1);                                // [h, total, d]
            var scores = queries.matmul(keys.transpose(1, 2)).div(torch.tensor(Math.Sqrt(config.HeadDim), dtype: queries.dtype));
            // Each row sees its own sequence up to itself, as the model's causal attention does.
            var column = torch.arange(Engine.Layers.PinnedScalars.Zero, end, Engine.Layers.PinnedScalars.One, ScalarType.Int64, device).unsqueeze(0);
            var start = torch.tensor(items.Select(t => (long)t.Start).ToArray(), device: device).unsqueeze(1);
            var visible = column.ge(start).logical_and(column.le(rowIndex.unsqueeze(1)));
            var logProbabilities = scores.masked_fill(visible.logical_not().unsqueeze(0), minusInfinity).log_softmax(2);
            var positions = torch.tensor(items.SelectMany(t => t.Target.Positions.Select(p => (long)(t.Start + p))).ToArray(), device: device)
                .view(1, items.Count, -1).expand(heads.Length, -1, -1);
            var onTargets = logProbabilities.gather(2, positions);
            terms.Add(onTargets.logsumexp(2).mean([0]).neg());
            if (group.Key.Layer == _regionAttention!.Layer)
            {
                var masses = onTargets.detach().exp().sum([2]).mean([0]).data<float>().ToArray();
                lookups.AddRange(items.Select((t, i) => (t.Target.Region, masses[i])));
            }
        }
        var later = lookups.Where(l => l.Region > 1).Select(l => (double)l.Mass).ToList();
        return (torch.cat(terms, 0), (lookups.Count > 0 ? lookups.Average(l => l.Mass) : double.NaN, later.Count > 0 ? later.Average() : null));
    }

    private Tensor Embed(TrainingExample example, int[] ids, out int imageTokens)
    {
        using var pixels = _preprocessor.Preprocess(example.Image);
        using var features = _model.EncodeImage(pixels);
        imageTokens = features.TokenCount;
        Tensor? regionTokens = null;
        if (example.Regions.Count > 0)
        {
            var masks = torch.stack(example.Regions.Select(r => r.ToTensor()).ToList());
            regionTokens = _model.EncodeRegions(features, masks);
        }
        return _model.EmbedPrompt(ids, features, regionTokens);
    }
}
