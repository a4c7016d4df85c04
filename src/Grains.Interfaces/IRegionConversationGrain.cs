namespace OspreyCluster.Grains.Interfaces;

/// <summary>A multi-turn chat about regions of one image; it runs on the silo holding that image's features.</summary>
public interface IRegionConversationGrain : IGrainWithStringKey
{
    Task<ConversationView> Create(CreateConversation request);

    /// <summary>Announces the silo running the turn, streams the answer's text pieces, then one final event carrying the turn's result.</summary>
    IAsyncEnumerable<TurnEvent> Ask(TurnRequest request, CancellationToken cancellationToken = default);

    Task<ConversationView> Get();

    Task Delete();
}
