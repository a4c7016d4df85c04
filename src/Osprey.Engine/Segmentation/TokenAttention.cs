using Osprey.Engine.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Segmentation;

/// <summary>
/// The two-way transformer's attention (<c>q_proj</c>, <c>k_proj</c>, <c>v_proj</c>, <c>out_proj</c>):
/// queries, keys and values come in separately, projected to dim / downsample rate and split into heads.
/// </summary>
public sealed class TokenAttention : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    public Linear q_proj;
    public Linear k_proj;
    public Linear v_proj;
    public Linear out_proj;

    private readonly int _heads;
    // Held by the module for its lifetime, so no temporary native Scalar is made per call (see PinnedScalars).
    private readonly Scalar _headDimRoot;

    public TokenAttention(int dim, int heads, int downsampleRate, ParameterAllocation alloc, string name = "TokenAttention") : base(name)
    {
        var inner = dim / downsampleRate;
        _heads = heads;
        _headDimRoot = Math.Sqrt(inner / heads);
        q_proj = new Linear(dim, inner, hasBias: true, alloc);
        k_proj = new Linear(dim, inner, hasBias: true, alloc);
        v_proj = new Linear(dim, inner, hasBias: true, alloc);
        out_proj = new Linear(inner, dim, hasBias: true, alloc);
        RegisterComponents();
    }

    /// <summary>[B, Nq, dim], [B, Nk, dim], [B, Nk, dim] to [B, Nq, dim].</summary>
    public override Tensor forward(Tensor q, Tensor k, Tensor v)
    {
        using var scope = NewDisposeScope();
        var queries = Heads(q_proj.forward(q));
        var keys = Heads(k_proj.forward(k));
        var values = Heads(v_proj.forward(v));
        var weights = queries.matmul(keys.permute(0, 1, 3, 2)).div(_headDimRoot).softmax(-1);
        var mixed = weights.matmul(values).transpose(1, 2);
        var (b, n) = (mixed.shape[0], mixed.shape[1]);
        return scope.MoveToOuter(out_proj.forward(mixed.reshape(b, n, -1)));
    }

    private Tensor Heads(Tensor x) => x.reshape(x.shape[0], x.shape[1], _heads, -1).transpose(1, 2);
}
