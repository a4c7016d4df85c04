using System.Runtime.CompilerServices;
using Orleans.Placement;
using Osprey.Engine.Generation;
using Osprey.Engine.Serving;
using Osprey.Engine.Prompting;
using OspreyCluster.Grains.Hosting;
using OspreyCluster.Grains.Interfaces;
using OspreyCluster.Grains.Metrics;
using OspreyCluster.Grains.Placement;
using OspreyCluster.Grains.Regions;
using OspreyCluster.Grains.Turns;

namespace OspreyCluster.Grains.Conversations;

/// <summary>
/// A multi-turn chat about regions of one image, activated on the silo hosting that image. Each turn's
/// prompt extends the previous turn's exactly, so the engine finds the earlier turns cached by content
/// and prefills only the new tokens; the stored history rebuilds the same ids anywhere after an
/// eviction or a failover.
/// </summary>
[ImageAffinityPlacement]
[Immovable]
public sealed class RegionConversationGrain(
    [PersistentState("conversation", OspreyStorage.Name)] IPersistentState<ConversationState> state,
    SiloServingEngine serving,
    ImageEncodeReporter encodes,
    SiloDemand demand,
    ILocalSiloDetails silo) : Grain, IRegionConversationGrain
{
    /// <summary>Room a conversation must leave after introducing its regions: a question and a short answer.</summary>
    public const int MinQuestionPositions = 64;

    private StoredImage? _image;
    private RegionMaskSet? _masks;
    private bool _turnRunning;

    private ISequenceEngine Engine => serving.Engine;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        demand.ConversationActivated();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        demand.ConversationDeactivated();
        return Task.CompletedTask;
    }

    public async Task<ConversationView> Create(CreateConversation request)
    {
        if (state.RecordExists) throw new OspreyRequestException(409, "The conversation already exists.");
        var keyImage = ConversationKey.ImageIdOf(this.GetPrimaryKeyString());
        if (keyImage is not null && keyImage != request.ImageId)
            throw new OspreyRequestException(400, "The conversation id belongs to a different image.");
        var image = GrainFactory.GetGrain<IImageGrain>(request.ImageId);
        var info = await image.GetInfo();
        var regions = RegionDecoding.DecodeAll(request.Regions, info.Width, info.Height);
        EnsureRoomForQuestions(regions.Count);
        state.State = new ConversationState
        {
            ImageId = request.ImageId,
            Regions = [.. regions.Select(r => new RegionView(r.Name, [r.Height, r.Width], r.RleCounts, r.Area))],
        };
        _masks = new RegionMaskSet(info.Width, info.Height, [.. regions.Select(r => r.Mask)]);
        await state.WriteStateAsync();
        return View();
    }

    public Task<ConversationView> Get() => Task.FromResult(View());

    public async Task Delete()
    {
        View();
        await state.ClearStateAsync();
        DeactivateOnIdle();
    }

    public async IAsyncEnumerable<TurnEvent> Ask(TurnRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        yield return TurnEvent.RunningOn(SiloIdentity.Of(silo.SiloAddress));
        View();
        var sampling = TurnSampling.Of(request);
        if (_turnRunning) throw new OspreyRequestException(409, "A turn of this conversation is already running.");
        _turnRunning = true;
        var imageMovedAway = false;
        try
        {
            var prompt = Prompt(request.Text);
            var image = await Image();
            // Also keeps the image's activation (and so its resident features) alive while we talk.
            var host = GrainFactory.GetGrain<IImageHost>(state.State.ImageId);
            var imageSilos = await host.Silos();
            var here = SiloIdentity.Of(silo.SiloAddress);
            // The image was re-activated on another silo (moved, or collected while idle and placed
            // anew) and this silo holds no replica of it: this turn still runs here, and then the
            // conversation migrates, its placement putting it beside the image or a replica.
            imageMovedAway = !imageSilos.Holds(here);
            // Away from the image's home its features are copied from there, not encoded again.
            var source = new ImageSource(state.State.ImageId, image.Bytes)
            {
                FeatureCopy = imageSilos.Home == here ? null : _ => host.Features(),
            };
            var sequence = SequenceRequest.For(source, prompt, Masks(image.Info), sampling);
            await foreach (var item in EngineTurn.Stream(serving, encodes, sequence, here, Store, cancellationToken))
                yield return item;

            async Task Store(SequenceOutcome outcome)
            {
                var turn = new StoredTurn
                {
                    UserText = request.Text,
                    AnswerText = outcome.Text.Trim(),
                    AnswerIds = [.. outcome.GeneratedIds],
                    FinishReason = outcome.FinishReason,
                    MaxNewTokens = request.MaxNewTokens,
                    Temperature = request.Temperature,
                    TopP = request.TopP,
                    Seed = request.Seed,
                    Silo = here,
                };
                state.State.Turns.Add(turn);
                try
                {
                    await state.WriteStateAsync();
                }
                catch
                {
                    // Storage (Redis) failed: the caller gets no answer, so the history must not keep the
                    // turn; and the write may still have landed, so this activation's copy and its ETag
                    // are no longer trusted: the next call reads the history afresh from storage.
                    state.State.Turns.Remove(turn);
                    DeactivateOnIdle();
                    throw;
                }
            }
        }
        finally
        {
            _turnRunning = false;
            if (imageMovedAway)
            {
                // Nothing routes to this silo's copy of the features and cached turns any more.
                serving.Running?.ReleaseImage(state.State.ImageId);
                // Migrating (rather than deactivating) registers the new activation beside the image at
                // once, so callers still holding this silo's address are forwarded there.
                this.MigrateOnIdle();
            }
        }
    }

    /// <summary>Questions need room after the first turn's image and region introduction.</summary>
    private void EnsureRoomForQuestions(int regionCount)
    {
        var introduction = Engine.IntroductionPositions(regionCount);
        if (introduction + MinQuestionPositions > Engine.ContextLength)
        {
            var fits = Enumerable.Range(0, regionCount).LastOrDefault(n => Engine.IntroductionPositions(n) + MinQuestionPositions <= Engine.ContextLength);
            throw new OspreyRequestException(400,
                $"{regionCount} regions take {introduction} of the model's {Engine.ContextLength} positions before the first question, " +
                $"leaving fewer than {MinQuestionPositions} for questions and answers; at most {fits} regions fit.");
        }
    }

    /// <summary>The ids of every completed turn, exactly as they went through the model, and the new question.</summary>
    private ChatPrompt Prompt(string question)
    {
        try
        {
            return ChatPrompt.Conversation(Engine.Tokenizer, state.State.Regions.Count,
                state.State.Turns.Select(t => (t.UserText, (IReadOnlyList<int>)t.AnswerIds)), question);
        }
        catch (InvalidUserTextException e)
        {
            throw new OspreyRequestException(400, e.Message);
        }
    }

    /// <summary>The image's stored bytes, from its grain (once per activation).</summary>
    private async Task<StoredImage> Image() =>
        _image ??= await GrainFactory.GetGrain<IImageHost>(state.State.ImageId).Source();

    private RegionMaskSet Masks(ImageInfo info) =>
        _masks ??= new RegionMaskSet(info.Width, info.Height, [.. state.State.Regions.Select(RegionDecoding.MaskOf)]);

    private ConversationView View()
    {
        if (!state.RecordExists) throw new OspreyRequestException(404, $"No conversation {this.GetPrimaryKeyString()}.");
        var messages = state.State.Turns.SelectMany(t => new[] { new ChatMessage("user", t.UserText), new ChatMessage("assistant", t.AnswerText) });
        return new ConversationView(this.GetPrimaryKeyString(), state.State.ImageId, state.State.Regions, [.. messages]);
    }
}
