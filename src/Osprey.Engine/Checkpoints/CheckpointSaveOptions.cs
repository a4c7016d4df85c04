using Osprey.Engine.Config;
using static TorchSharp.torch;

namespace Osprey.Engine.Checkpoints;

public sealed record CheckpointSaveOptions
{
    /// <summary>Split into <c>model-0000k-of-0000n.safetensors</c> + index when the weights exceed this; null = one file.</summary>
    public long? MaxShardBytes { get; init; }
    /// <summary>Store every tensor in this dtype (e.g. BFloat16, as published); null = each parameter's own dtype.</summary>
    public ScalarType? DType { get; init; }
    /// <summary>Also write <c>config.json</c>.</summary>
    public OspreyConfig? Config { get; init; }
    /// <summary>Replace weight files already in the directory (otherwise their presence is an error).</summary>
    public bool Overwrite { get; init; }
}
