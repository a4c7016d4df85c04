namespace Osprey.Engine.Serving;

/// <summary>
/// What the engine keeps resident, within a byte budget. Least recently used first, conversation KV
/// caches before image features and prefix caches; pinned entries (used by running sequences) stay.
/// Anything evicted is recomputed on demand from the image bytes and the prompt ids.
/// </summary>
internal sealed class ResidentSet(long budgetBytes, ServingCounters counters) : IDisposable
{
    private readonly LinkedList<ResidentImage> _images = new();
    private readonly LinkedList<ConversationCache> _conversations = new();

    public long BudgetBytes { get; } = budgetBytes;

    public long Bytes => _images.Sum(i => i.Bytes) + _conversations.Sum(c => c.Bytes);

    public ResidentImage? TryGetImage(string id) => Touch(_images, i => i.Id == id);

    public ConversationCache? TryGetConversation(string id) => Touch(_conversations, c => c.Id == id);

    public void Add(ResidentImage image) => _images.AddLast(image);

    public void Add(ConversationCache conversation) => _conversations.AddLast(conversation);

    public void RemoveConversation(string id)
    {
        var node = Find(_conversations, c => c.Id == id);
        if (node is null) return;
        _conversations.Remove(node);
        node.Value.Dispose();
    }

    public void RemoveImage(string id)
    {
        var node = Find(_images, i => i.Id == id);
        if (node is null || node.Value.Pins > 0 || _conversations.Any(c => c.Image == node.Value && c.Pins > 0)) return;
        foreach (var conversation in _conversations.Where(c => c.Image == node.Value).ToList()) RemoveConversation(conversation.Id);
        _images.Remove(node);
        node.Value.Dispose();
    }

    /// <summary>Evicts until the resident bytes fit the budget or only pinned entries remain.</summary>
    public void EvictToBudget()
    {
        var bytes = Bytes;
        for (var node = _conversations.First; node is not null && bytes > BudgetBytes;)
        {
            var next = node.Next;
            if (node.Value.Pins == 0)
            {
                bytes -= node.Value.Bytes;
                _conversations.Remove(node);
                node.Value.Dispose();
                counters.Evicted();
            }
            node = next;
        }
        for (var node = _images.First; node is not null && bytes > BudgetBytes;)
        {
            var next = node.Next;
            var image = node.Value;
            if (image.Pins == 0 && !_conversations.Any(c => c.Image == image))
            {
                bytes -= image.Bytes;
                _images.Remove(node);
                image.Dispose();
                counters.Evicted();
            }
            node = next;
        }
        counters.SetBytesResident(bytes);
    }

    public void Dispose()
    {
        foreach (var conversation in _conversations) conversation.Dispose();
        foreach (var image in _images) image.Dispose();
        _conversations.Clear();
        _images.Clear();
        counters.SetBytesResident(0);
    }

    private static T? Touch<T>(LinkedList<T> list, Func<T, bool> match) where T : class
    {
        var node = Find(list, match);
        if (node is null) return null;
        list.Remove(node);
        list.AddLast(node);
        return node.Value;
    }

    private static LinkedListNode<T>? Find<T>(LinkedList<T> list, Func<T, bool> match)
    {
        for (var node = list.First; node is not null; node = node.Next)
            if (match(node.Value)) return node;
        return null;
    }
}
