namespace Osprey.Engine.Checkpoints;

/// <summary>What is wrong with a checkpoint, so callers can react without parsing messages.</summary>
public enum CheckpointError
{
    /// <summary>The model directory does not exist.</summary>
    MissingDirectory,
    /// <summary><c>config.json</c> is absent.</summary>
    MissingConfig,
    /// <summary><c>config.json</c> cannot be parsed or describes an impossible model.</summary>
    InvalidConfig,
    /// <summary>No weight file in a known layout.</summary>
    NoWeights,
    /// <summary>A shard index names a file that does not exist, or a tensor its shard lacks.</summary>
    MissingShard,
    /// <summary>A weight file cannot be read: bad header, truncated data, not the expected format.</summary>
    CorruptFile,
    /// <summary>The file stores tensors in a way the loader does not handle (dtype, views into shared storage).</summary>
    Unsupported,
    /// <summary>Module parameters that the checkpoint does not provide.</summary>
    MissingTensors,
    /// <summary>Checkpoint tensors that match no module parameter and are not known to be unused.</summary>
    UnexpectedTensors,
    /// <summary>A checkpoint tensor's shape differs from its parameter's.</summary>
    ShapeMismatch,
    /// <summary>The checkpoint has its own <c>lm_head</c> but the module ties the head to the embeddings.</summary>
    TiedHeadConflict,
    /// <summary>A module name that the name map cannot translate to a checkpoint name.</summary>
    UnmappedName,
    /// <summary>The module cannot receive weights (e.g. it was built on the meta device).</summary>
    InvalidModule,
    /// <summary>The weights in the requested dtype need more memory than the machine (or its cgroup) has available.</summary>
    InsufficientMemory,
}
