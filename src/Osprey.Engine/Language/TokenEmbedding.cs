using TorchSharp;
using TorchSharp.Modules;
using Osprey.Engine.Layers;
using static TorchSharp.torch;

namespace Osprey.Engine.Language;

/// <summary>The token embedding table (<c>weight</c> [vocab, hidden]); also the output head when tied.</summary>
public sealed class TokenEmbedding : nn.Module<Tensor, Tensor>
{
    public Parameter weight;

    public int VocabSize { get; }
    public int HiddenSize { get; }

    public TokenEmbedding(int vocabSize, int hiddenSize, ParameterAllocation alloc) : base(nameof(TokenEmbedding))
    {
        VocabSize = vocabSize;
        HiddenSize = hiddenSize;
        weight = alloc.Empty(vocabSize, hiddenSize);
        RegisterComponents();
    }

    /// <summary>ids: int64 of any shape → [..., hidden]. Out-of-vocabulary ids are rejected, not clamped.</summary>
    public override Tensor forward(Tensor ids)
    {
        if (ids.dtype != ScalarType.Int64)
            throw new ArgumentException($"token ids must be int64, got {ids.dtype}", nameof(ids));
        using var scope = torch.NewDisposeScope();
        if (ids.numel() > 0)
        {
            var min = ids.min().item<long>();
            var max = ids.max().item<long>();
            if (min < 0 || max >= VocabSize)
                throw new ArgumentOutOfRangeException(nameof(ids), $"token ids must lie in [0, {VocabSize}); got range [{min}, {max}]");
        }
        var rows = weight.index_select(0, ids.reshape(-1));
        return scope.MoveToOuter(rows.view([.. ids.shape, HiddenSize]));
    }
}
