namespace OspreyCluster.Tests;

/// <summary>
/// Locates the read-only reference data in <c>../shared/fixtures</c> beside the clone
/// (override with OSPREY_FIXTURES).
/// </summary>
public static class FixturePaths
{
    public static string Root { get; } = Locate();

    public static string File(params string[] parts) => Path.Combine([Root, .. parts]);

    public static string OspreyTiny => File("osprey-tiny");
    public static string Stories260K => File("stories260k");
    public static string TokenizerModel => File("tokenizer.model");

    private static string Locate()
    {
        var env = Environment.GetEnvironmentVariable("OSPREY_FIXTURES");
        if (!string.IsNullOrEmpty(env)) return env;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "OspreyCluster.sln")))
            {
                var candidate = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "fixtures"));
                if (Directory.Exists(candidate)) return candidate;
                throw new DirectoryNotFoundException($"reference fixtures not found at {candidate} (set OSPREY_FIXTURES)");
            }
        }
        throw new DirectoryNotFoundException("OspreyCluster.sln not found above the test binaries");
    }
}
