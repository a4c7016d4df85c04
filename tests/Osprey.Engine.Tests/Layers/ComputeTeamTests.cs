using Osprey.Engine.Language;
using Osprey.Engine.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Layers;

/// <summary>
/// The compute team does not wait on a member that stops mid-chunk: the caller computes that chunk
/// itself and returns with every chunk in the output, and the member, when it comes back, writes
/// nothing into an output its caller has handed on. Products and attention give the same bits
/// whoever computes their chunks.
/// </summary>
public sealed class ComputeTeamTests
{
    [Fact]
    public void A_member_stopped_mid_chunk_neither_holds_the_caller_nor_writes_after_it()
    {
        using var scope = torch.NewDisposeScope();
        var team = new ComputeTeam();
        var output = torch.zeros(3, 16 * 4);
        using var work = new StallingWork(output, chunks: 16);
        var before = team.ChunksTakenOver;

        var watch = System.Diagnostics.Stopwatch.StartNew();
        team.Run(work, threads: 2);
        watch.Stop();

        Assert.True(work.MemberStalled.IsSet, "the member never took a chunk");
        Assert.False(work.Resume.IsSet);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"the caller waited {watch.Elapsed} for the stopped member");
        Assert.True(output.eq(StallingWork.Expected(3, 16 * 4)).all().item<bool>(), "a chunk is missing from the output");
        Assert.True(team.ChunksTakenOver > before);
        Assert.True(work.ReadsListed > 0, "the member was left without holding what its chunk reads");

        // The caller's output is the caller's again: the member's late chunk must not land in it.
        output.fill_(-1);
        work.Resume.Set();
        Assert.True(work.MemberLeft.Wait(TimeSpan.FromSeconds(10)), "the member never finished its chunk");
        Thread.Sleep(50);
        Assert.True(output.eq(-1).all().item<bool>(), "the late member wrote into the output");

        // The team serves the next call, the member back in it.
        output.zero_();
        using var next = new StallingWork(output, chunks: 16, stall: false);
        team.Run(next, threads: 2);
        Assert.True(output.eq(StallingWork.Expected(3, 16 * 4)).all().item<bool>());
    }

    [Fact]
    public void Products_and_attention_give_the_same_bits_when_the_caller_takes_over_every_chunk_a_member_holds()
    {
        using var inference = torch.inference_mode();
        using var scope = torch.NewDisposeScope();
        using var generator = new Generator(7);
        // 4 MB and more: shared by two threads where the machine has them.
        var weight = torch.randn([2048, 1024], generator: generator).div_(32).to(ScalarType.BFloat16);
        var packed = weight.clone();
        var isPacked = PackedBFloat16Weight.Pack(packed);
        var floatWeight = torch.randn([1024, 2048], generator: generator).div_(45);
        var keys = torch.randn([4, 1100, 128], generator: generator).to(ScalarType.BFloat16);
        var values = torch.randn([4, 1100, 128], generator: generator).to(ScalarType.BFloat16);
        var queries = torch.randn([2, 8, 128], generator: generator).to(ScalarType.BFloat16);

        List<Tensor> Compute()
        {
            var results = new List<Tensor>();
            foreach (var rows in new[] { 1, 2, 9 })
            {
                var x = torch.randn([rows, 1024], generator: new Generator((ulong)rows)).to(ScalarType.BFloat16);
                if (isPacked) results.Add(Linear.Product(x, packed, null));
                results.Add(RowStreamingProduct.Compute(x.narrow(0, 0, Math.Min(rows, 2)), weight, null));
                results.Add(RowStreamingProduct.Compute(torch.randn([Math.Min(rows, 4), 2048], generator: new Generator((ulong)rows)), floatWeight, null));
            }
            if (StreamingDecodeAttention.Takes(queries, [(keys, values)]))
                results.Add(StreamingDecodeAttention.Compute(queries, [(keys, values)], [[], []]));
            return results;
        }

        var expected = Compute();
        try
        {
            ComputeTeam.Patience = TimeSpan.Zero;
            for (var round = 0; round < 10; round++)
            {
                var actual = Compute();
                for (var i = 0; i < expected.Count; i++)
                    Assert.True(actual[i].eq(expected[i]).all().item<bool>(), $"result {i} differs in round {round}");
            }
        }
        finally
        {
            ComputeTeam.Patience = null;
        }
    }

    /// <summary>
    /// Chunk c writes c·1000 + r·100 + column into its four columns of every row. The first chunk a member
    /// takes stops until <see cref="Resume"/>, and the caller waits for that before it computes its own.
    /// </summary>
    private sealed unsafe class StallingWork(Tensor output, int chunks, bool stall = true) : ITeamWork, IDisposable
    {
        private const int Width = 4;
        private int _stalled;
        private int _readsListed;

        public ManualResetEventSlim MemberStalled { get; } = new();
        public ManualResetEventSlim Resume { get; } = new();
        public ManualResetEventSlim MemberLeft { get; } = new();

        public int ReadsListed => Volatile.Read(ref _readsListed);

        public int Chunks => chunks;

        public TeamOutput Output { get; } = new(TensorAddress.Of(output), output.shape[1], (int)output.shape[0]);

        public IReadOnlyList<Tensor> Reads
        {
            get
            {
                Interlocked.Increment(ref _readsListed);
                return [output];
            }
        }

        public (int From, int To) Columns(int chunk) => (chunk * Width, (chunk + 1) * Width);

        public static Tensor Expected(int rows, int columns) =>
            torch.arange(columns).div(Width, rounding_mode: RoundingMode.floor).mul(1000).unsqueeze(0)
                .add(torch.arange(rows).mul(100).unsqueeze(1)).add(torch.arange(columns).unsqueeze(0)).to(ScalarType.Float32);

        public void Run(TeamChunks team)
        {
            var member = Thread.CurrentThread.Name?.StartsWith("osprey-compute") == true;
            if (!member && stall && !MemberStalled.Wait(TimeSpan.FromSeconds(10))) throw new TimeoutException("no member took a chunk");
            try
            {
                while (team.Next(out var chunk, out var at))
                {
                    if (member && stall && Interlocked.Exchange(ref _stalled, 1) == 0)
                    {
                        MemberStalled.Set();
                        Resume.Wait(TimeSpan.FromSeconds(30));
                    }
                    var (from, to) = Columns(chunk);
                    for (var r = 0; r < at.Rows; r++)
                        for (var c = from; c < to; c++)
                            at.At[r * at.Ld + c] = chunk * 1000 + r * 100 + c;
                }
            }
            finally
            {
                if (member) MemberLeft.Set();
            }
        }

        public void Dispose()
        {
            MemberStalled.Dispose();
            Resume.Dispose();
            MemberLeft.Dispose();
        }
    }
}
