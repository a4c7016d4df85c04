namespace Osprey.Training.Tests;

/// <summary>Files the tests need: the shared fixtures (<c>../shared/fixtures</c> next to the repository) and the committed default model.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Fixtures => Path.GetFullPath(Path.Combine(Root, "..", "shared", "fixtures"));

    public static string TokenizerModel => Path.Combine(Fixtures, "tokenizer.model");

    public static string DefaultModel => Path.Combine(Root, "models", "osprey-default");

    public static string SmallConfig => Path.Combine(Root, "configs", "osprey-small.json");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "OspreyCluster.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("OspreyCluster.sln not found above the test binaries");
    }
}
