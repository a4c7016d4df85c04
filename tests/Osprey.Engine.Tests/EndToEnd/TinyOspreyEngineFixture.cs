using Osprey.Engine.Devices;

namespace Osprey.Engine.Tests.EndToEnd;

/// <summary>The osprey-tiny checkpoint loaded once through the product's own loader (fp32, CPU).</summary>
public sealed class TinyOspreyEngineFixture : IDisposable
{
    public OspreyEngine Engine { get; } = OspreyEngine.Load(FixturePaths.OspreyTiny, EngineOptions.Cpu32);

    public void Dispose() => Engine.Dispose();
}
