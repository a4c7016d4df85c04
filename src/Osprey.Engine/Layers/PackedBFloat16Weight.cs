using System.Runtime.CompilerServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Layers;

/// <summary>
/// A bfloat16 weight [out, in] rearranged in its own storage for <see cref="LibTorchBrgemm"/>: blocks of
/// <see cref="BlockFeatures"/> output features (the last block takes the rest), each stored as
/// [in / 2, features, 2], the inputs in pairs side by side as the bfloat16 dot-product instructions read
/// them, one block after another. A product then reads each block once from memory and multiplies it
/// against every row of x with those instructions; on a CPU that has them the weights of a decode step
/// of several sequences are read once, where oneDNN's product of the plain layout rearranges them first
/// (4096→11008 on a 2-core AMD EPYC with AVX512_BF16, medians of 40: 8 rows 2.1–2.2 ms here, 4.4–4.7 ms
/// through <c>linear</c>; 1 row 1.1–1.7 ms, 4.4–5.4 ms). One row reads the blocks on
/// <see cref="PackedOneRowProduct"/> instead, which streams them faster.
/// </summary>
/// <remarks>
/// The rearrangement is in place, so nothing but <see cref="Linear.Product"/> may read a packed weight
/// afterwards (the row views of a <see cref="FusedProjection"/> included): the serving engine packs its
/// language model's products once it owns the model (<see cref="Language.LlamaForCausalLM.PackForServing"/>),
/// and packed weights take no gradients.
/// </remarks>
internal sealed unsafe class PackedBFloat16Weight
{
    /// <summary>Output features per block: a tile of the micro-kernel, whose block of the weight (<c>in</c> × 32 × 2 bytes) stays in cache while every row of x meets it.</summary>
    public const int BlockFeatures = 32;

    /// <summary>
    /// Rows of x per call of the micro-kernel. Calls of 8 rows, one after another on a block still in
    /// cache, were faster than one call of more: 4096→11008 products, eight distinct weights in turn, two
    /// threads (2-core AMD EPYC of family 26, 2026-12-06), at 16 rows 4.1–4.8 ms against 5.5–7.6 in one
    /// call, at 20 rows 4.9–5.2 against 5.8–6.2, at 64 rows 12.1–12.4 against 14.8–15.3 in calls of 32;
    /// calls of 6, 10, 12, 14 or 16 rows were no faster than calls of 8. A 20-token follow-up on the bench
    /// model, 12 times each way in turn: fastest 128 ms against 147–152, median 156–162 against 162–169.
    /// </summary>
    public const int RowBlock = 8;

    private static readonly ConditionalWeakTable<Tensor, PackedBFloat16Weight> Packed = new();

    private readonly Tensor _weight;

    public int InFeatures { get; }
    public int OutFeatures { get; }

    private PackedBFloat16Weight(Tensor weight)
    {
        _weight = weight;
        OutFeatures = (int)weight.shape[0];
        InFeatures = (int)weight.shape[1];
    }

    /// <summary>The packed form of <paramref name="weight"/>, or null when it was not packed.</summary>
    public static PackedBFloat16Weight? Of(Tensor weight) => Packed.TryGetValue(weight, out var packed) ? packed : null;

    /// <summary>Whether <see cref="Pack"/> takes <paramref name="weight"/>: bfloat16 on a CPU with the micro-kernel, [out, in] contiguous with an even <c>in</c>.</summary>
    public static bool CanPack(Tensor weight) =>
        LibTorchBrgemm.Available && weight.dtype == ScalarType.BFloat16 && weight.device_type == DeviceType.CPU
        && weight.dim() == 2 && weight.is_contiguous() && weight.shape[1] % 2 == 0 && weight.shape[0] > 0;

    /// <summary>Rearranges <paramref name="weight"/> in place (once; false when it cannot be packed).</summary>
    public static bool Pack(Tensor weight)
    {
        if (Of(weight) is not null) return true;
        if (!CanPack(weight)) return false;
        using (torch.no_grad())
        using (var scope = torch.NewDisposeScope())
        {
            long outs = weight.shape[0], ins = weight.shape[1], whole = outs / BlockFeatures * BlockFeatures;
            var blocks = new List<Tensor>();
            if (whole > 0) blocks.Add(weight.narrow(0, 0, whole).view(whole / BlockFeatures, BlockFeatures, ins / 2, 2).permute(0, 2, 1, 3).reshape(-1));
            if (outs > whole) blocks.Add(weight.narrow(0, whole, outs - whole).view(outs - whole, ins / 2, 2).permute(1, 0, 2).reshape(-1));
            var packed = torch.cat(blocks);
            weight.view(-1).copy_(packed);
        }
        Packed.Add(weight, new PackedBFloat16Weight(weight));
        return true;
    }

    /// <summary>x [.., in] (bfloat16) · Wᵀ (+ b) → [.., out] bfloat16, summed in float32 and rounded once.</summary>
    public Tensor Multiply(Tensor x, Tensor? bias)
    {
        if (torch.is_grad_enabled() && (x.requires_grad || bias?.requires_grad == true))
            throw new InvalidOperationException("A weight packed for serving takes no gradients.");
        if (x.shape[^1] != InFeatures)
            throw new ArgumentException($"x has {x.shape[^1]} features, the weight takes {InFeatures}", nameof(x));
        using var scope = torch.NewDisposeScope();
        var rows = x.NumberOfElements / InFeatures;
        var input = x.reshape(rows, InFeatures).to(ScalarType.BFloat16).contiguous();
        var y = torch.empty([rows, OutFeatures], dtype: ScalarType.Float32);
        if (rows > 0)
        {
            var blocks = (OutFeatures + BlockFeatures - 1) / BlockFeatures;
            var threads = ComputeTeam.ThreadsFor(_weight.NumberOfElements * _weight.ElementSize, blocks);
            // One row reads its blocks on the one-row kernel: whole blocks from x's bfloat16 pairs where the CPU
            // has the dot-product instruction, the rest from its values widened to float32 (exactly).
            var widened = rows == 1 ? input.to(ScalarType.Float32) : null;
            ComputeTeam.Shared.Run(new Product(input, widened, _weight, y, ComputeTeam.ChunksFor(threads, blocks)), threads);
        }
        if (bias is not null) y.add_(bias, PinnedScalars.One);
        long[] shape = [.. x.shape[..^1], OutFeatures];
        return scope.MoveToOuter(y.to(ScalarType.BFloat16).view(shape));
    }

    /// <summary>
    /// Runs of whole blocks of output features; each block meets every row of x, <see cref="RowBlock"/> rows a
    /// call, or, given <paramref name="widened"/> (x's one row in float32), on <see cref="PackedOneRowProduct"/>.
    /// </summary>
    private sealed class Product(Tensor input, Tensor? widened, Tensor weight, Tensor y, int chunks) : ITeamWork
    {
        private readonly ushort* _x = (ushort*)TensorAddress.Bytes(input);
        private readonly float* _oneRow = widened is null ? null : TensorAddress.Of(widened);
        private readonly ushort* _w = (ushort*)TensorAddress.Bytes(weight);
        private readonly int _rows = (int)input.shape[0], _inFeatures = (int)input.shape[1], _outFeatures = (int)weight.shape[0];

        public int Chunks => chunks;

        public TeamOutput Output { get; } = new(TensorAddress.Of(y), y.shape[1], (int)y.shape[0]);

        public IReadOnlyList<Tensor> Reads { get; } = widened is null ? [input, weight] : [input, widened, weight];

        public (int From, int To) Columns(int chunk) => ComputeTeam.ChunkColumns(chunk, chunks, _outFeatures, BlockFeatures);

        public void Run(TeamChunks chunks)
        {
            try
            {
                while (chunks.Next(out var chunk, out var output))
                {
                    var (from, to) = Columns(chunk);
                    for (var first = from; first < to; first += BlockFeatures)
                    {
                        var features = Math.Min(BlockFeatures, to - first);
                        var block = _w + (long)first * _inFeatures;
                        if (_oneRow is not null)
                        {
                            PackedOneRowProduct.Multiply(_oneRow, _x, _inFeatures, block, features, output.At + first);
                            continue;
                        }
                        for (var r = 0; r < _rows; r += RowBlock)
                            LibTorchBrgemm.Multiply(Math.Min(RowBlock, _rows - r), features, _inFeatures, _inFeatures, features, (int)output.Ld, false,
                                _x + (long)r * _inFeatures, block, output.At + r * output.Ld + first);
                    }
                }
            }
            finally
            {
                LibTorchBrgemm.Release();
            }
        }
    }
}
