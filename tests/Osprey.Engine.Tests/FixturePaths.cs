namespace Osprey.Engine.Tests;

/// <summary>
/// Locates the read-only reference data in <c>../shared/fixtures</c> beside the clone
/// (override with OSPREY_FIXTURES).
/// </summary>
public static class FixturePaths
{
    public static string Root => LocatedRoot.Value;

    private static readonly Lazy<string> LocatedRoot = new(Locate);

    public static string File(params string[] parts) => Path.Combine([Root, .. parts]);

    public static string OspreyTiny => File("osprey-tiny");
    public static string Stories260K => File("stories260k");
    public static string TokenizerModel => File("tokenizer.model");

    /// <summary>The clone's root: the directory above the test binaries that holds OspreyCluster.sln.</summary>
    public static string RepositoryRoot { get; } = LocateRepository();

    private static string Locate()
    {
        var env = Environment.GetEnvironmentVariable("OSPREY_FIXTURES");
        if (!string.IsNullOrEmpty(env)) return env;
        var candidate = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "fixtures"));
        if (Directory.Exists(candidate)) return candidate;
        throw new DirectoryNotFoundException($"reference fixtures not found at {candidate} (set OSPREY_FIXTURES)");
    }

    private static string LocateRepository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "OspreyCluster.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("OspreyCluster.sln not found above the test binaries");
    }
}
