using Osprey.Engine.Devices;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Layers;

/// <summary>
/// A language-model pass over few enough rows (a decode step of a few sequences) that every product
/// in it runs on <see cref="RowStreamingProduct"/>'s team. For the pass, libtorch runs its own ops
/// (norms, rotations, attention) on the calling thread alone (<see cref="OpenMpThreads"/>): after a
/// parallel op its OpenMP workers keep spinning for milliseconds, on the very cores the team's
/// product needs next. Measured on
/// three bench-model layers with attention over 1,100 positions (2-core AMD EPYC, AVX2, fp32): the
/// team's products with libtorch left at 2 threads took 102/207 ms at 1/8 rows, with libtorch at one
/// thread 82–88/151–163 ms, against 122/251 ms with libtorch's own products.
/// </summary>
internal sealed class FewRowPass : IDisposable
{
    /// <summary>
    /// The most rows of a pass once the weights are packed (<see cref="PackedBFloat16Weight"/>, every product
    /// on the team at any row count): as many as attention over earlier positions serves on the engine's own
    /// kernels, so that nothing in the pass is left to libtorch's threads but elementwise ops. At 16 rows,
    /// libtorch's workers kept spinning between its ops of a 17-row pass (a follow-up question) on the cores
    /// the team's products needed: the bench model's forward over 1,100 cached positions, bf16, 2-core AMD
    /// EPYC of family 26 (2026-12-06), took 78–87 ms at 16 rows and 129–148 ms at 17, every part slower
    /// (products 1.8×, norms 6–8×); kept to one thread, 90–92 ms at 17 rows, 94–96 at 18, 99–104 at 21.
    /// </summary>
    private const int PackedDecodeRows = Language.SegmentedAttention.MostContinuingRows;

    [ThreadStatic] private static int t_threads;

    private readonly int _threads;

    private FewRowPass(int threads) => _threads = threads;

    /// <summary>Threads a product on this thread may use: libtorch's count on it from before the pass began, else its current count.</summary>
    public static int Threads => t_threads > 0 ? t_threads : torch.get_num_threads();

    /// <summary>
    /// Begins a pass when its rows qualify for the team's products (no gradients); null otherwise, and when a
    /// pass is already open. <paramref name="packed"/>: the model's product weights are packed (<see cref="PackedBFloat16Weight"/>).
    /// </summary>
    public static FewRowPass? Begin(long rows, ScalarType dtype, Device device, bool packed = false)
    {
        var most = packed ? PackedDecodeRows : RowStreamingProduct.MostRows(dtype);
        if (t_threads > 0 || rows > most || torch.is_grad_enabled() || !RowStreamingProduct.Handles(dtype, device) || !OpenMpThreads.Available) return null;
        var threads = torch.get_num_threads();
        if (threads <= 1) return null;
        t_threads = threads;
        OpenMpThreads.Set(1);
        return new FewRowPass(threads);
    }

    public void Dispose()
    {
        t_threads = 0;
        OpenMpThreads.Set(_threads);
    }
}
