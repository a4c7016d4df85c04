using Osprey.Engine.Serving;

namespace OspreyCluster.Grains.Hosting;

/// <summary>Starts a silo's engine as the silo starts (<see cref="SiloServingEngine"/>): the model (<see cref="ModelEngineSource"/>) unless a host registers another.</summary>
public interface ISequenceEngineSource
{
    Task<ISequenceEngine> StartAsync(OspreyClusterOptions options, CancellationToken cancellationToken);
}
