namespace OspreyCluster.Grains.Metrics;

[GenerateSerializer]
public sealed class ClusterTotalsState
{
    [Id(0)] public long ImageEncodes { get; set; }
}
