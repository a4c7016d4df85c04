using Orleans.Concurrency;
using OspreyCluster.Grains.Interfaces;

namespace OspreyCluster.Grains.Hosting;

/// <summary>Answers from whichever silo it runs on: they all serve the same model.</summary>
[StatelessWorker]
public sealed class ServedModelGrain(SiloServingEngine serving) : Grain, IServedModelGrain
{
    public Task<ServedModel> Get() => Task.FromResult(new ServedModel(serving.ModelName, serving.Engine.ContextLength));
}
