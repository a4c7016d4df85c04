using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using OspreyCluster.Grains.Conversations;
using OspreyCluster.Grains.Interfaces;

namespace Osprey.Bench.Cluster;

/// <summary>
/// Sizes, in Orleans' own wire format, of what grain calls carry: a turn's request, its streamed
/// events, the stored conversation state. Message headers (a few dozen bytes per message) are not included.
/// </summary>
public sealed class TurnWireSize : IDisposable
{
    private readonly ServiceProvider _services;
    private readonly Serializer _serializer;

    public TurnWireSize()
    {
        _services = new ServiceCollection()
            .AddSerializer(builder => builder
                .AddAssembly(typeof(TurnRequest).Assembly)
                .AddAssembly(typeof(ConversationState).Assembly))
            .BuildServiceProvider();
        _serializer = _services.GetRequiredService<Serializer>();
    }

    public int Of<T>(T value) => _serializer.SerializeToArray(value).Length;

    public void Dispose() => _services.Dispose();
}
