using Osprey.Engine.Imaging;
using Osprey.Engine.Language;
using Osprey.Engine.Multimodal;
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
/// </summary>
public sealed class AnswerLoss
{
    private readonly OspreyModel _model;
    private readonly AnswerTokenizer _tokenizer;
    private readonly ClipPreprocessor _preprocessor;

    public AnswerLoss(OspreyModel model, OspreyTokenizer tokenizer)
    {
        _model = model;
        _tokenizer = new AnswerTokenizer(tokenizer);
        _preprocessor = new ClipPreprocessor(model.Config.ImageSize);
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
        int offset = 0;
        try
        {
            foreach (var example in batch)
            {
                var tokens = _tokenizer.Tokenize(example);
                var embeddings = Embed(example, tokens.Ids, out int imageTokens);
                // Position of each id once the image placeholder expands; the logits at position p predict p + 1.
                int position = 0;
                for (int i = 0; i < tokens.Ids.Length; i++)
                {
                    if (tokens.IsTarget[i])
                    {
                        rows.Add(offset + position - 1);
                        targets.Add(tokens.Ids[i]);
                    }
                    position += tokens.Ids[i] == OspreyTokenizer.ImageTokenId ? imageTokens : 1;
                }
                var cache = _model.llm.NewCache();
                caches.Add(cache);
                chunks.Add(new SequenceChunk(embeddings, cache));
                offset += (int)embeddings.shape[0];
            }
            var hidden = _model.llm.ForwardHidden(chunks);
            var logits = _model.llm.Logits(hidden.index_select(0, torch.tensor(rows.ToArray(), device: hidden.device)));
            var loss = nn.functional.cross_entropy(logits, torch.tensor(targets.ToArray(), device: logits.device), reduction: reduction);
            return new BatchLoss(scope.MoveToOuter(loss), targets.Count, offset);
        }
        finally
        {
            foreach (var cache in caches) cache.Dispose();
        }
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
