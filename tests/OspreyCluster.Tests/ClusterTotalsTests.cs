using OspreyCluster.Grains.Interfaces;
using OspreyCluster.Grains.Placement;

namespace OspreyCluster.Tests;

/// <summary>
/// Two Redis-backed silos: the cluster's image encode total lives in grain storage, so the silo that
/// did the encoding can leave without taking its count along (a sum over the silos still running would drop).
/// </summary>
public sealed class ClusterTotalsTests : IAsyncLifetime
{
    private RedisServer _redis = null!;
    private OspreyTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _cluster = await OspreyTestCluster.StartAsync(2, 256L * 1024 * 1024, _redis);
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task The_image_encode_total_keeps_the_encodes_of_a_silo_that_left_and_goes_on_counting()
    {
        var client = _cluster.Client;
        var totals = client.GetGrain<IClusterTotalsGrain>(0);
        Assert.Equal(0, await totals.ImageEncodes());

        var image = TestImage.Tiny;
        var imageGrain = client.GetGrain<IImageGrain>(image.Id);
        await imageGrain.Upload(image.Bytes);
        var describe = new DescribeRequest(image.Regions, DescriptionStyle.Short, 2);
        await imageGrain.Describe(describe);
        var imageSilo = await client.GetGrain<IImageHost>(image.Id).Silo();

        // Each silo adds its new encodes to the stored total every second, while it runs.
        Assert.Equal(1, await TotalWhen(totals, n => n >= 1));
        Assert.Equal(1, (await _cluster.Metrics()).ImageEncodesTotal);

        var handle = _cluster.Cluster.GetActiveSilos().Single(s => SiloIdentity.Of(s.SiloAddress) == imageSilo);
        await _cluster.Cluster.StopSiloAsync(handle);

        // The silo that encoded is gone, and with it its own counter; the cluster's total is not.
        Assert.Equal(0, (await _cluster.Metrics()).ImageEncodesTotal);
        Assert.Equal(1, await totals.ImageEncodes());

        // The image is encoded again on the remaining silo, and the total counts that encode too.
        await client.GetGrain<IImageGrain>(image.Id).Describe(describe);
        Assert.NotEqual(imageSilo, await client.GetGrain<IImageHost>(image.Id).Silo());
        Assert.Equal(2, await TotalWhen(totals, n => n >= 2));
    }

    private static async Task<long> TotalWhen(IClusterTotalsGrain totals, Func<long, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var total = await totals.ImageEncodes();
            if (done(total) || DateTime.UtcNow > deadline) return total;
            await Task.Delay(100);
        }
    }
}
