namespace OspreyCluster.Grains.Interfaces;

/// <summary>
/// One uploaded image, keyed by the SHA-256 (lower-case hex) of its bytes. Its silo encodes the
/// image once and keeps the features and the shared prompt-prefix KV cache resident.
/// </summary>
public interface IImageGrain : IGrainWithStringKey
{
    /// <summary>Stores the bytes durably and validates them as an image. Idempotent.</summary>
    Task<ImageInfo> Upload(byte[] bytes);

    /// <summary>Throws <see cref="OspreyRequestException"/> (404) when nothing was uploaded under this id.</summary>
    Task<ImageInfo> GetInfo();

    /// <summary>
    /// Answers the last question of a conversation the caller keeps itself (stateless clients such as
    /// OpenAI-style ones resend the history every turn). Whatever ran before with the same content is
    /// found in the silo's prefix cache, so only the new part is prefilled. The events are a conversation's
    /// (<see cref="IRegionConversationGrain.Ask"/>): the silo's announcement, the text pieces, the result.
    /// </summary>
    IAsyncEnumerable<TurnEvent> Complete(CompletionRequest request, CancellationToken cancellationToken = default);

    /// <summary>Captions every region as one batch decoded from the image's shared prefix.</summary>
    Task<IReadOnlyList<RegionDescription>> Describe(DescribeRequest request);

    /// <summary>
    /// Masks for clicks and a box, best score first, from the image's Segment Anything embedding (computed
    /// once on the image's silo and kept resident beside its features). 400 for a prompt that does not fit
    /// the image, 501 when the cluster serves no Segment Anything model.
    /// </summary>
    Task<IReadOnlyList<SegmentedMask>> Segment(SegmentRequest request);

    /// <summary>Every object's mask (Segment Anything's automatic mask generator), best score first.</summary>
    Task<IReadOnlyList<SegmentedMask>> SegmentEverything(SegmentEverythingRequest request);
}
