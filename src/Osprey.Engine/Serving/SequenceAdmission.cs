using Osprey.Engine.Generation;
using Osprey.Engine.Language;
using Osprey.Engine.Tokenization;
using TorchSharp;

namespace Osprey.Engine.Serving;

/// <summary>
/// Turns a submitted request into a running sequence: resolves the image (features + prefix cache) and
/// the conversation's KV cache, and embeds only the prompt positions that cache does not hold yet.
/// Engine thread only.
/// </summary>
internal sealed class SequenceAdmission(
    OspreyEngine engine, ImagePromptPrefix prefix, ImageResidency images, ResidentSet resident, ServingCounters counters, int contextLength)
{
    public RunningSequence Admit(PendingSequence pending)
    {
        var request = pending.Request;
        if (!prefix.IsPrefixOf(request.PromptIds))
            throw new ArgumentException("The prompt does not start with the image prompt prefix.");
        var promptPositions = prefix.PositionsOf(request.PromptIds);
        if (promptPositions >= contextLength)
            throw new ArgumentException($"The prompt takes {promptPositions} positions; the context length is {contextLength}.");

        var (image, imageWasResident, prefilled) = images.Resolve(request.Image);
        image.Pins++;
        ConversationCache? conversation = null;
        KvCache? ownedFork = null;
        try
        {
            var cacheHit = false;
            IReadOnlyList<int> covered;
            if (request.ConversationId is { } conversationId)
            {
                conversation = resident.TryGetConversation(conversationId);
                if (conversation is not null && Extends(conversation, image, request))
                {
                    cacheHit = true;
                    counters.KvHit();
                }
                else
                {
                    if (conversation is not null) resident.RemoveConversation(conversationId);
                    counters.KvMiss();
                    conversation = new ConversationCache(conversationId, image, image.PrefixCache.Fork(), prefix.Ids);
                    resident.Add(conversation);
                }
                conversation.Pins++;
                covered = conversation.CoveredIds;
            }
            else
            {
                ownedFork = image.PrefixCache.Fork();
                covered = prefix.Ids;
            }

            var newIds = request.PromptIds.Skip(covered.Count).ToArray();
            var embeddings = Embed(newIds, covered, request, image, conversation);
            var newPositions = (int)embeddings.shape[0];
            prefilled += newPositions;
            counters.Prefilled(newPositions);
            if (conversation is not null) conversation.CoveredIds.AddRange(newIds);

            var maxNewTokens = Math.Max(1, Math.Min(request.Sampling.MaxNewTokens, contextLength - promptPositions));
            return new RunningSequence(pending, image, conversation, conversation?.Cache ?? ownedFork!, embeddings,
                new SequenceSampler(request.Sampling), new AnswerText(engine.Tokenizer, request.Sampling.StopStrings),
                promptPositions, prefilled, maxNewTokens)
            {
                ImageWasResident = imageWasResident,
                ConversationCacheHit = cacheHit,
                WantsPromptLogits = request.ReturnPromptLogits,
            };
        }
        catch
        {
            image.Pins--;
            ownedFork?.Dispose();
            if (conversation is not null)
            {
                conversation.Pins = Math.Max(0, conversation.Pins - 1);
                resident.RemoveConversation(conversation.Id);
            }
            throw;
        }
    }

    /// <summary>The cached ids are a strict prefix of the request's prompt, over the same image and regions.</summary>
    private static bool Extends(ConversationCache conversation, ResidentImage image, SequenceRequest request) =>
        conversation.Image == image
        && conversation.CoveredIds.Count < request.PromptIds.Count
        && ImagePromptPrefix.StartsWith(request.PromptIds, conversation.CoveredIds)
        && (conversation.RegionMasks is null || ReferenceEquals(conversation.RegionMasks, request.Regions) || SameMasks(conversation.RegionMasks, request.Regions));

    private static bool SameMasks(RegionMaskSet a, RegionMaskSet? b) =>
        b is not null && a.Width == b.Width && a.Height == b.Height && a.Count == b.Count
        && a.Masks.Zip(b.Masks).All(p => p.First.AsSpan().SequenceEqual(p.Second));

    private torch.Tensor Embed(int[] newIds, IReadOnlyList<int> covered, SequenceRequest request, ResidentImage image, ConversationCache? conversation)
    {
        if (newIds.Length == 0) throw new ArgumentException("The prompt adds no positions to its cached history.");
        var pairsBefore = covered.Count(id => id == engine.Tokenizer.MaskId);
        var pairsNew = newIds.Count(id => id == engine.Tokenizer.MaskId);
        if (pairsBefore + pairsNew > request.RegionOrder.Count)
            throw new ArgumentException($"The prompt has {pairsBefore + pairsNew} <mask><pos> pairs but names regions for {request.RegionOrder.Count}.");

        using var scope = torch.NewDisposeScope();
        torch.Tensor? regionTokens = null;
        if (pairsNew > 0)
        {
            var all = RegionTokens(request, image, conversation);
            var order = request.RegionOrder.Skip(pairsBefore).Take(pairsNew).Select(i => (long)i).ToArray();
            if (order.Any(i => i < 0 || i >= all.shape[0]))
                throw new ArgumentException("A <mask><pos> pair names a region the request does not carry.");
            regionTokens = all.index_select(0, torch.tensor(order, device: all.device));
        }
        var embeddings = engine.Model.EmbedPrompt(newIds, newIds.Contains(OspreyTokenizer.ImageTokenId) ? image.Features : null, regionTokens);
        return scope.MoveToOuter(embeddings);
    }

    /// <summary>[R, 2, H] for all of the request's regions; a conversation keeps them with its cache.</summary>
    private torch.Tensor RegionTokens(SequenceRequest request, ResidentImage image, ConversationCache? conversation)
    {
        if (conversation?.RegionTokens is { } kept && conversation.RegionMasks is { } keptMasks
            && (ReferenceEquals(keptMasks, request.Regions) || SameMasks(keptMasks, request.Regions)))
            return kept;
        var masks = request.Regions ?? throw new ArgumentException("The prompt refers to regions but the request carries none.");
        torch.Tensor tokens;
        using (var outer = torch.NewDisposeScope())
        {
            using var maskTensor = MaskTensor(masks);
            tokens = outer.MoveToOuter(engine.Model.EncodeRegions(image.Features, maskTensor));
        }
        if (conversation is null) return tokens; // owned by the caller's dispose scope
        tokens.DetachFromDisposeScope();
        conversation.RegionTokens?.Dispose();
        conversation.RegionTokens = tokens;
        conversation.RegionMasks = masks;
        return tokens;
    }

    private torch.Tensor MaskTensor(RegionMaskSet masks)
    {
        var pixels = masks.Width * masks.Height;
        var data = new float[masks.Count * pixels];
        for (var r = 0; r < masks.Count; r++)
        {
            var mask = masks.Masks[r];
            if (mask.Length != pixels) throw new ArgumentException($"Region {r + 1} has {mask.Length} pixels, expected {pixels}.");
            for (var p = 0; p < pixels; p++) data[r * pixels + p] = mask[p] != 0 ? 1f : 0f;
        }
        return torch.tensor(data, [masks.Count, masks.Height, masks.Width]).to(engine.Model.llm.Device);
    }
}
