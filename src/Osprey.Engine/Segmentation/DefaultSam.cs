namespace Osprey.Engine.Segmentation;

/// <summary>
/// Where the Segment Anything model shipped with the repository lives (<c>models/sam-default</c>), used
/// whenever no SAM directory is given. <c>OSPREY_SAM_DIR</c> overrides it.
/// </summary>
public static class DefaultSam
{
    public const string RelativePath = "models/sam-default";
    public const string EnvironmentVariable = "OSPREY_SAM_DIR";

    /// <summary>The configured directory, else the default one, else a clear error.</summary>
    /// <exception cref="DirectoryNotFoundException">Nothing configured and no default model found.</exception>
    public static string Resolve(string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured)) return configured;
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment)) return fromEnvironment;
        return Locate() ?? throw new DirectoryNotFoundException(
            $"no Segment Anything model given and the default one ({RelativePath}) was not found next to the program or above it; " +
            $"pass a directory holding sam_vit_b_01ec64.pth (or _l_, _h_) or set {EnvironmentVariable}");
    }

    /// <summary>Searches the program's folder and its parents (a repository checkout, a container's /app).</summary>
    public static string? Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, RelativePath);
            if (Directory.Exists(candidate) && Directory.EnumerateFiles(candidate).Any(f => f.EndsWith(".pth", StringComparison.Ordinal)
                    || f.EndsWith(SamCheckpoint.SafetensorsFileName, StringComparison.Ordinal)))
                return candidate;
        }
        return null;
    }
}
