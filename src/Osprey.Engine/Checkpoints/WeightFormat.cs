namespace Osprey.Engine.Checkpoints;

/// <summary>How a model directory stores its weights.</summary>
public enum WeightFormat
{
    /// <summary><c>model.safetensors</c>.</summary>
    Safetensors,
    /// <summary><c>model-0000k-of-0000n.safetensors</c> + <c>model.safetensors.index.json</c>.</summary>
    ShardedSafetensors,
    /// <summary><c>pytorch_model.bin</c> (zip-format torch.save).</summary>
    PyTorchBin,
    /// <summary><c>pytorch_model-0000k-of-0000n.bin</c> + <c>pytorch_model.bin.index.json</c>.</summary>
    ShardedPyTorchBin,
}
