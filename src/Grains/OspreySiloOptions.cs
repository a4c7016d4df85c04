namespace OspreyCluster.Grains;

/// <summary>What a silo serves and with how much engine memory (bound from configuration section "Osprey").</summary>
public sealed class OspreySiloOptions
{
    /// <summary>Model directory; empty means the default model shipped in the repository.</summary>
    public string? ModelDirectory { get; set; }
    /// <summary>"auto" (bf16 where the device computes it in hardware, else fp32) | "fp32" | "bf16" | "fp16".</summary>
    public string DType { get; set; } = Osprey.Engine.Devices.DTypeName.Auto;
    /// <summary>"cpu" | "cuda" | "cuda:N".</summary>
    public string Device { get; set; } = "cpu";
    /// <summary>Budget for resident image features and KV caches on this silo, in bytes.</summary>
    public long MemoryBudgetBytes { get; set; } = 4L * 1024 * 1024 * 1024;
    /// <summary>Most sequences one engine step batches together.</summary>
    public int MaxBatchSize { get; set; } = 16;
    /// <summary>
    /// StackExchange.Redis connection string for grain storage; null or empty means in-memory storage
    /// (embedded mode and tests without failover).
    /// </summary>
    public string? RedisConnectionString { get; set; }

    /// <summary>
    /// <see cref="ModelDirectory"/>, else OSPREY_MODEL_DIR, else the repository's default model; a
    /// <see cref="DirectoryNotFoundException"/> saying what to configure when none exists.
    /// </summary>
    public string ResolveModelDirectory()
    {
        var directory = Osprey.Engine.DefaultModel.Resolve(ModelDirectory);
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException(
                $"model directory '{directory}' does not exist (set Osprey:ModelDirectory or {Osprey.Engine.DefaultModel.EnvironmentVariable}, or add {Osprey.Engine.DefaultModel.RelativePath})");
        return directory;
    }
}
