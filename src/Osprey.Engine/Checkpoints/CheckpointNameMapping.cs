namespace Osprey.Engine.Checkpoints;

/// <summary>How a name map treats one checkpoint tensor.</summary>
public enum CheckpointNameKind
{
    /// <summary>Loaded into the module parameter <see cref="CheckpointNameMapping.ModuleName"/>.</summary>
    Module,
    /// <summary>Known to be in published checkpoints but unused by the forward pass.</summary>
    Ignored,
    /// <summary>No rule covers the name.</summary>
    Unmapped,
}

public readonly record struct CheckpointNameMapping(CheckpointNameKind Kind, string? ModuleName);
