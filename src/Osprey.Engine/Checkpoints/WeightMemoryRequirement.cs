using System.Diagnostics.CodeAnalysis;
using Osprey.Engine.Devices;
using static TorchSharp.torch;

namespace Osprey.Engine.Checkpoints;

/// <summary>
/// What loading a checkpoint into host memory costs, known from its headers before anything is
/// allocated: the parameters in the target dtype, one stored tensor in flight while it is copied
/// in, and an allowance for the runtime and a first request's activations. Lets a load that cannot
/// fit be refused with numbers instead of ending in the OOM killer halfway through.
/// </summary>
public sealed record WeightMemoryRequirement(long ParameterCount, long LargestStoredBytes)
{
    /// <summary>Runtime, tokenizer, the vision encoder's and a prompt's activations on top of the weights.</summary>
    public const long RuntimeAllowanceBytes = 512L << 20;
    private static readonly ScalarType[] Candidates = [ScalarType.BFloat16, ScalarType.Float16, ScalarType.Float32];

    /// <summary>Counts the tensors the name map would load (ignored ones are never read).</summary>
    public static WeightMemoryRequirement Of(IWeightSource source, CheckpointNameMap map)
    {
        long parameters = 0, largest = 0;
        foreach (var info in source.Tensors.Values)
        {
            if (map.Map(info.Name).Kind == CheckpointNameKind.Ignored) continue;
            parameters += info.ElementCount;
            largest = Math.Max(largest, info.ByteLength);
        }
        return new WeightMemoryRequirement(parameters, largest);
    }

    public long WeightBytes(ScalarType dtype) => ParameterCount * WeightInfo.ElementSize(dtype);

    public long RequiredBytes(ScalarType dtype) => WeightBytes(dtype) + LargestStoredBytes + RuntimeAllowanceBytes;

    /// <summary>Whether the model loads in <paramref name="dtype"/> within what is available (unknown: assumed to).</summary>
    public bool Fits(ScalarType dtype, [NotNullWhen(false)] AvailableMemory? available) => available is null || RequiredBytes(dtype) <= available.Bytes;

    /// <exception cref="CheckpointException"><see cref="CheckpointError.InsufficientMemory"/>, naming a dtype that would fit if one does.</exception>
    public void EnsureFits(ScalarType dtype, AvailableMemory? available, string what)
    {
        if (Fits(dtype, available)) return;
        var smaller = Candidates
            .Where(d => WeightInfo.ElementSize(d) < WeightInfo.ElementSize(dtype) && Fits(d, available))
            .Select(d => $"{DTypeName.Format(d)} needs {Gigabytes.Format(RequiredBytes(d))} and fits: load it with dtype {DTypeName.Format(d)}")
            .FirstOrDefault()
            ?? "no smaller dtype fits either";
        throw new CheckpointException(CheckpointError.InsufficientMemory,
            $"{what} does not fit in memory as {DTypeName.Format(dtype)}: {ParameterCount:N0} parameters need {Gigabytes.Format(WeightBytes(dtype))} " +
            $"({Gigabytes.Format(RequiredBytes(dtype))} with loading and runtime headroom), but this machine has {Gigabytes.Format(available.Bytes)} available ({available.Source}); {smaller}");
    }
}
