using System.Diagnostics;

namespace Osprey.Engine.Language;

/// <summary>
/// Wall time per named part of the forward passes run while it is attached to a model
/// (<see cref="LlamaForCausalLM.Profile"/>): where a decode step's time goes. CPU kernels run
/// synchronously, so the time around a call is the kernel's; on CUDA the parts would measure only
/// the launches. Not thread-safe: one pass at a time.
/// </summary>
public sealed class StepProfile
{
    private readonly Dictionary<string, double> _milliseconds = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];

    /// <summary>Milliseconds per part, in the order the parts first ran.</summary>
    public IReadOnlyList<(string Part, double Milliseconds)> Parts => _order.Select(p => (p, _milliseconds[p])).ToList();

    public void Add(string part, double milliseconds)
    {
        if (!_milliseconds.TryGetValue(part, out var total)) _order.Add(part);
        _milliseconds[part] = total + milliseconds;
    }

    public void Clear()
    {
        _milliseconds.Clear();
        _order.Clear();
    }

    /// <summary>A timer that adds its elapsed time to its part when disposed (nothing when there is no profile).</summary>
    public readonly struct Section(StepProfile? profile, string part) : IDisposable
    {
        private readonly long _start = profile is null ? 0 : Stopwatch.GetTimestamp();

        public void Dispose() => profile?.Add(part, Stopwatch.GetElapsedTime(_start).TotalMilliseconds);
    }
}

/// <summary>Timing with a profile that may be absent (the normal case): no clock is read then.</summary>
internal static class StepProfileSections
{
    public static StepProfile.Section Time(this StepProfile? profile, string part) => new(profile, part);
}
