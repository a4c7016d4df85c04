namespace OspreyCluster.Grains;

/// <summary>The grain storage provider image bytes and conversation state are written to.</summary>
public static class OspreyStorage
{
    public const string Name = "osprey";
}
