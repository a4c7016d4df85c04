namespace Osprey.Engine.Prompting;

/// <summary>The prompt's <c>&lt;mask&gt;&lt;pos&gt;</c> pairs do not correspond one-to-one to the supplied regions.</summary>
public sealed class RegionCountMismatchException : Exception
{
    public int PairsInPrompt { get; }
    public int RegionsSupplied { get; }

    public RegionCountMismatchException(int pairsInPrompt, int regionsSupplied, string message) : base(message)
    {
        PairsInPrompt = pairsInPrompt;
        RegionsSupplied = regionsSupplied;
    }
}
