namespace Osprey.Engine;

/// <summary>
/// Where the model shipped with the repository lives (<c>models/osprey-default</c>), used whenever no
/// model directory is configured. <c>OSPREY_MODEL_DIR</c> overrides it.
/// </summary>
public static class DefaultModel
{
    public const string RelativePath = "models/osprey-default";
    public const string EnvironmentVariable = "OSPREY_MODEL_DIR";

    /// <summary>The configured directory, else the default one, else a clear error.</summary>
    public static string Resolve(string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured)) return configured;
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment)) return fromEnvironment;
        return Locate() ?? throw new DirectoryNotFoundException(
            $"no model directory configured and the default model ({RelativePath}) was not found next to the program or above it; pass a model directory or set {EnvironmentVariable}");
    }

    /// <summary>Searches the program's folder and its parents (a repository checkout, a container's /app).</summary>
    public static string? Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, RelativePath);
            if (File.Exists(Path.Combine(candidate, "config.json"))) return candidate;
        }
        return null;
    }
}
