namespace OspreyCluster.Tests;

/// <summary>One uncached reference engine shared by the tests of a class.</summary>
public sealed class ReferenceFixture : IDisposable
{
    public UncachedReference Reference { get; } = new();

    public void Dispose() => Reference.Dispose();
}
