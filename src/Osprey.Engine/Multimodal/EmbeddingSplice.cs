using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Multimodal;

/// <summary>
/// Builds the decoder's input sequence from prompt ids: ordinary ids are looked up in the
/// embedding table, the <c>&lt;image&gt;</c> placeholder (-200) expands into the image tokens,
/// and the k-th <c>&lt;mask&gt;&lt;pos&gt;</c> pair becomes region k's mask token and position token.
/// </summary>
public sealed class EmbeddingSplice(int imageTokenId, int maskId, int posId)
{
    /// <summary>Number of <c>&lt;mask&gt;&lt;pos&gt;</c> pairs, validating that each mask id is followed by a pos id.</summary>
    public int RegionPairCount(ReadOnlySpan<int> ids)
    {
        var pairs = 0;
        for (var i = 0; i < ids.Length; i++)
        {
            if (ids[i] == maskId)
            {
                if (i + 1 >= ids.Length || ids[i + 1] != posId)
                    throw new PromptRegionException("every <mask> must be followed directly by <pos>");
                pairs++;
                i++;
            }
            else if (ids[i] == posId)
            {
                throw new PromptRegionException("<pos> without a preceding <mask>");
            }
        }
        return pairs;
    }

    /// <param name="embedTokens">Embedding lookup for ordinary ids ([t] int64 → [t, H]).</param>
    /// <param name="imageTokens">[N, H] or null when the prompt has no image.</param>
    /// <param name="regionTokens">[R, 2, H] (mask token, position token) or null.</param>
    public Tensor Build(ReadOnlySpan<int> ids, Func<Tensor, Tensor> embedTokens, Tensor? imageTokens, Tensor? regionTokens, Device device)
    {
        var pairs = RegionPairCount(ids);
        var regions = regionTokens is null ? 0 : (int)regionTokens.shape[0];
        if (pairs != regions)
            throw new PromptRegionException($"the prompt has {pairs} <mask><pos> pair(s) but {regions} region(s) were supplied");

        using var scope = torch.NewDisposeScope();
        var pieces = new List<Tensor>();
        var run = new List<long>();
        var region = 0;
        void FlushRun()
        {
            if (run.Count == 0) return;
            pieces.Add(embedTokens(torch.tensor(run.ToArray(), dtype: ScalarType.Int64, device: device)));
            run.Clear();
        }
        for (var i = 0; i < ids.Length; i++)
        {
            var id = ids[i];
            if (id == imageTokenId)
            {
                FlushRun();
                pieces.Add(imageTokens ?? throw new PromptRegionException("the prompt has an <image> placeholder but no image was supplied"));
            }
            else if (id == maskId)
            {
                FlushRun();
                pieces.Add(regionTokens![region]);
                region++;
                i++; // the <pos> id that follows is covered by the same [mask, pos] pair
            }
            else
            {
                run.Add(id);
            }
        }
        FlushRun();
        return scope.MoveToOuter(torch.cat(pieces, 0));
    }
}
