using System.Net;
using OspreyCluster.Grains.Placement;

namespace OspreyCluster.Tests;

/// <summary>The conversation placement's choice among an image's home, its replicas and a new replica.</summary>
public sealed class ImageSpreadTests
{
    private static readonly SiloAddress[] Silos = [.. Enumerable.Range(0, 4).Select(i => SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 11111 + i), 1))];

    private static ImageSpread.Choice Choose(double[] conversations, int holders, int maxReplicas = 8, double factor = 1.1, int min = 8, int seed = 1) =>
        ImageSpread.Choose(Silos[..holders], holders - 1, Silos, s => conversations[Array.IndexOf(Silos, s)], maxReplicas, factor, min, new Random(seed));

    [Fact]
    public void A_lightly_loaded_cluster_keeps_conversations_beside_the_image() =>
        Assert.Equal(new ImageSpread.Choice(Silos[0], false), Choose([8, 0, 0, 0], holders: 1));

    [Fact]
    public void A_home_past_its_share_gets_a_replica_on_the_less_loaded_of_two_other_silos_drawn_at_random()
    {
        // Whichever two are drawn, the busiest of the three others (9) is never the less loaded of them.
        var chosen = Enumerable.Range(0, 50).Select(seed => Choose([20, 9, 3, 8], holders: 1, seed: seed)).ToList();
        Assert.All(chosen, choice => Assert.True(choice.NewReplica));
        Assert.All(chosen, choice => Assert.Contains(choice.Silo, new[] { Silos[2], Silos[3] }));
        Assert.Contains(chosen, choice => choice.Silo == Silos[3]);
        Assert.Contains(chosen, choice => choice.Silo == Silos[2]);
    }

    [Fact]
    public void With_two_other_silos_the_less_loaded_takes_the_replica() =>
        Assert.Equal(new ImageSpread.Choice(Silos[2], true), Choose([20, 14, 3, 8], holders: 2));

    [Fact]
    public void The_least_loaded_holder_takes_the_conversation_while_it_is_within_its_share() =>
        Assert.Equal(new ImageSpread.Choice(Silos[1], false), Choose([20, 10, 3, 8], holders: 2));

    [Fact]
    public void An_image_at_its_replica_limit_stays_on_its_holders() =>
        Assert.Equal(new ImageSpread.Choice(Silos[1], false), Choose([30, 25, 3, 8], holders: 2, maxReplicas: 1));

    [Fact]
    public void No_replica_goes_to_a_silo_busier_than_the_holders() =>
        Assert.Equal(new ImageSpread.Choice(Silos[1], false), Choose([30, 20, 25, 22], holders: 2, factor: 0.5));
}
