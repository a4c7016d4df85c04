namespace OspreyCluster.Grains.Interfaces;

/// <summary>The model the cluster serves (every silo loads the same one); key 0.</summary>
public interface IServedModelGrain : IGrainWithIntegerKey
{
    Task<ServedModel> Get();
}

/// <summary>The served model's name (its directory's) and its context length in positions.</summary>
[GenerateSerializer, Immutable]
public sealed record ServedModel([property: Id(0)] string Id, [property: Id(1)] int ContextLength);
