namespace OspreyCluster.Grains.Placement;

/// <summary>How silos are named in keys and results: the parsable silo address (unique per incarnation).</summary>
public static class SiloIdentity
{
    public static string Of(SiloAddress silo) => silo.ToParsableString();

    public static SiloAddress? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        try
        {
            return SiloAddress.FromParsableString(text);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
