using Osprey.Engine.Vision;

namespace Osprey.Engine.Serving;

/// <summary>Device memory held by an image's encoded features.</summary>
internal static class FeatureBytes
{
    public static long Of(VisionFeatures features) => features.Levels.Sum(t => t.NumberOfElements * t.ElementSize);
}
