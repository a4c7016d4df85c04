using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Osprey.Engine.Layers;

/// <summary>
/// Where and in what dtype a model's parameters are created. Parameters start uninitialised
/// (<c>torch.empty</c>): a checkpoint overwrites them anyway, and a 7B model must not pay for a
/// random init it throws away. Training initialises explicitly. The meta device builds the module
/// tree with shapes only (no memory), which is how parameter names are checked against a manifest.
/// </summary>
public sealed record ParameterAllocation(Device Device, ScalarType DType)
{
    public static ParameterAllocation CpuFloat32 => new(torch.CPU, ScalarType.Float32);
    public static ParameterAllocation Meta => new(torch.device("meta"), ScalarType.Float32);

    public Parameter Empty(params long[] shape) =>
        new(torch.empty(shape, dtype: DType, device: Device), requires_grad: false);

    /// <summary>Storage that parameters are views of (see <see cref="FusedProjection"/>); outside any dispose scope.</summary>
    public Tensor EmptyTensor(params long[] shape) => torch.empty(shape, dtype: DType, device: Device).DetachFromDisposeScope();
}
