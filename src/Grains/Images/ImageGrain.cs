using System.Runtime.CompilerServices;
using Orleans.Placement;
using Osprey.Engine.Generation;
using Osprey.Engine.Imaging;
using Osprey.Engine.Prompting;
using Osprey.Engine.Segmentation;
using Osprey.Engine.Serving;
using OspreyCluster.Grains.Hosting;
using OspreyCluster.Grains.Interfaces;
using OspreyCluster.Grains.Metrics;
using OspreyCluster.Grains.Placement;
using OspreyCluster.Grains.Regions;
using OspreyCluster.Grains.Turns;

namespace OspreyCluster.Grains.Images;

/// <summary>
/// One image (key = SHA-256 hex of its bytes). Bytes live in grain storage; the features and the
/// shared prefix KV cache live in this silo's engine, computed on first demand and kept resident
/// (within the engine's budget). Never moved by rebalancing: its features cannot follow it. A hot
/// image's features are also copied to replica silos (<see cref="Silos"/>), never encoded there.
/// </summary>
[ImageMemoryPlacement]
[Immovable]
public sealed class ImageGrain(
    [PersistentState("image", OspreyStorage.Name)] IPersistentState<ImageState> state,
    SiloServingEngine serving,
    ImageEncodeReporter encodes,
    ILocalSiloDetails silo) : Grain, IImageGrain, IImageHost
{
    public const int MaxDescribeTokens = 512;

    /// <summary>
    /// Silos holding a copy of this image's features, where the placement spreads its conversations when
    /// its home is loaded. Kept with the activation: a new home starts without replicas (their silos'
    /// copies stay until evicted, and placement adds replicas again as the load asks).
    /// </summary>
    private readonly HashSet<string> _replicas = [];

    private ISequenceEngine Engine => serving.Engine;

    public async Task<ImageInfo> Upload(byte[] bytes)
    {
        if (bytes is null || bytes.Length == 0) throw new OspreyRequestException(400, "The image body is empty.");
        var id = this.GetPrimaryKeyString();
        if (ImageId.Of(bytes) != TenantKey.Unscoped(id)) throw new OspreyRequestException(400, "The image id is not the SHA-256 of the bytes.");
        if (state.RecordExists) return Info();

        RgbImage image;
        try
        {
            image = await Task.Run(() => new ImageDecoder().Decode(bytes, "upload"));
        }
        catch (ImageDecodeException e)
        {
            throw new OspreyRequestException(415, $"Not a decodable image: {e.Message}");
        }
        state.State = new ImageState { Bytes = bytes, Width = image.Width, Height = image.Height };
        await state.WriteStateAsync();
        return Info();
    }

    public Task<ImageInfo> GetInfo() => Task.FromResult(Info());

    public Task<string> Silo() => Task.FromResult(SiloIdentity.Of(silo.SiloAddress));

    public Task<ImageSilos> Silos() => Task.FromResult(new ImageSilos(SiloIdentity.Of(silo.SiloAddress), [.. _replicas]));

    public Task<ImageSilos> AddReplica(string replica, string[] gone)
    {
        _replicas.ExceptWith(gone);
        if (replica != SiloIdentity.Of(silo.SiloAddress) && _replicas.Count < serving.Options.MaxImageReplicas) _replicas.Add(replica);
        return Silos();
    }

    public Task<byte[]> Features() => Engine.ExportFeatures(Source(Info()));

    public Task<StoredImage> Source() => Task.FromResult(new StoredImage(Info(), state.State.Bytes));

    public async Task<IReadOnlyList<RegionDescription>> Describe(DescribeRequest request)
    {
        var info = Info();
        if (request.MaxNewTokens is < 1 or > MaxDescribeTokens)
            throw new OspreyRequestException(400, $"maxNewTokens must be within 1..{MaxDescribeTokens}.");
        var regions = RegionDecoding.DecodeAll(request.Regions, info.Width, info.Height);
        var prompt = ChatPrompt.SingleRegion(Engine.Tokenizer,
            request.Style == DescriptionStyle.Detailed ? DescriptionQuestions.Detailed : DescriptionQuestions.Short);
        var source = new ImageSource(info.Id, state.State.Bytes);
        var sampling = SamplingParams.Greedy with { MaxNewTokens = request.MaxNewTokens };

        // All regions are submitted at once, so the engine admits them into the same batches.
        var answers = await Task.WhenAll(regions.Select(region =>
            Generate(SequenceRequest.For(source, prompt, new RegionMaskSet(info.Width, info.Height, [region.Mask]), sampling))));
        return [.. regions.Select((region, i) => new RegionDescription(region.Name, answers[i].Text.Trim(), answers[i].GeneratedIds.Count))];
    }

    public Task<IReadOnlyList<SegmentedMask>> Segment(SegmentRequest request)
    {
        var info = Info();
        var prompt = SegmentationRequests.Prompt(request, info);
        return RunSegmentation((predictor, embedding) => SegmentationRequests.Masks(predictor.Predict(embedding, prompt)));
    }

    public Task<IReadOnlyList<SegmentedMask>> SegmentEverything(SegmentEverythingRequest request)
    {
        var options = SegmentationRequests.Options(request);
        var source = Source(Info());
        return RunSegmentation((predictor, embedding) =>
            SegmentationRequests.Masks(new SamAutomaticMaskGenerator(predictor, options).Generate(source.Decode(), embedding)));
    }

    /// <summary>Runs on the engine's segmentation worker, counted as a turn so a stopping silo waits for it.</summary>
    private async Task<IReadOnlyList<SegmentedMask>> RunSegmentation(Func<SamPredictor, SamImageEmbedding, IReadOnlyList<SegmentedMask>> work)
    {
        if (Engine.SegmentationConfig is null)
            throw new OspreyRequestException(501, "this cluster serves no Segment Anything model; set Osprey:SamModelDirectory to a directory holding sam_vit_b_01ec64.pth (or _l_, _h_)");
        using var turn = serving.BeginTurn();
        return await Engine.Segment(Source(Info()), work);
    }

    private ImageSource Source(ImageInfo info) => new(info.Id, state.State.Bytes);

    public async IAsyncEnumerable<TurnEvent> Complete(CompletionRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        yield return TurnEvent.RunningOn(SiloIdentity.Of(silo.SiloAddress));
        var info = Info();
        var sampling = TurnSampling.Of(request.Question);
        // A conversation may be about the whole image: regions are optional here.
        var regions = request.Regions.Count == 0 ? [] : RegionDecoding.DecodeAll(request.Regions, info.Width, info.Height);
        ChatPrompt prompt;
        try
        {
            // The client's answers come back as text; tokenized as the model would have sampled them,
            // they give the ids its cached turns hold, and the prefix cache finds them.
            prompt = ChatPrompt.Conversation(Engine.Tokenizer, regions.Count,
                request.History.Select(h => (h.User, (IReadOnlyList<int>)[.. Engine.Tokenizer.EncodeSentencePiece(h.Assistant.Trim())])),
                request.Question.Text);
        }
        catch (InvalidUserTextException e)
        {
            throw new OspreyRequestException(400, e.Message);
        }
        var sequence = SequenceRequest.For(new ImageSource(info.Id, state.State.Bytes), prompt,
            new RegionMaskSet(info.Width, info.Height, [.. regions.Select(r => r.Mask)]), sampling);
        await foreach (var item in EngineTurn.Stream(serving, encodes, sequence, SiloIdentity.Of(silo.SiloAddress), cancellationToken: cancellationToken))
            yield return item;
    }

    private Task<SequenceOutcome> Generate(SequenceRequest request) => EngineTurn.Complete(serving, encodes, request);

    /// <summary>
    /// The activation is where conversations find the features; once it is gone (idle, or its silo
    /// stops) nothing routes to them here any more, so they leave the engine's memory with it.
    /// Conversations keep the activation alive by asking for its silo on every turn.
    /// </summary>
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        serving.Running?.ReleaseImage(this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    private ImageInfo Info()
    {
        if (!state.RecordExists) throw new OspreyRequestException(404, $"No image {this.GetPrimaryKeyString()}.");
        return new ImageInfo(this.GetPrimaryKeyString(), state.State.Width, state.State.Height);
    }
}
