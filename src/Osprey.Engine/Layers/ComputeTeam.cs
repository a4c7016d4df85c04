namespace Osprey.Engine.Layers;

/// <summary>
/// Dedicated threads that share one piece of work with the calling thread (never the thread pool,
/// which serves Orleans and ASP.NET). The work comes in chunks that the threads take from one queue as
/// they get to them, so a thread that wakes late or loses its core to another process takes fewer
/// chunks instead of holding every other thread up (a fixed split made the slowest thread's half the
/// step's time); a member that has not started when the queue runs dry is withdrawn, not waited for.
/// One caller at a time: a second caller that finds the team busy runs every chunk itself, so
/// concurrent users never wait on each other.
/// </summary>
internal sealed class ComputeTeam
{
    public static ComputeTeam Shared { get; } = new();

    /// <summary>Bytes a thread must read before one more thread saves more than waking it costs.</summary>
    private const long BytesPerThread = 1 << 20;

    /// <summary>Chunks per thread: enough that a late or slowed thread's share moves to the others in small pieces.</summary>
    public const int ChunksPerThread = 8;

    private readonly Lock _gate = new();
    private readonly List<Member> _members = [];

    /// <summary>
    /// How many threads work that reads <paramref name="bytes"/> from memory is shared by: one per megabyte, at
    /// most the threads this thread may use (<see cref="FewRowPass.Threads"/>) and at most <paramref name="most"/>.
    /// </summary>
    public static int ThreadsFor(long bytes, int most) => (int)Math.Clamp(bytes / BytesPerThread, 1, Math.Max(1, Math.Min(FewRowPass.Threads, most)));

    /// <summary>How many chunks work of <paramref name="blocks"/> blocks is cut into for <paramref name="threads"/> threads: one for one thread, else <see cref="ChunksPerThread"/> each, at most a block per chunk.</summary>
    public static int ChunksFor(int threads, int blocks) => threads == 1 ? 1 : Math.Min(blocks, threads * ChunksPerThread);

    /// <summary>The blocks [From, To) of chunk <paramref name="chunk"/> of <paramref name="chunks"/>, <paramref name="blocks"/> blocks in all, as even as whole blocks allow.</summary>
    public static (int From, int To) ChunkBlocks(int chunk, int chunks, int blocks) =>
        ((int)((long)blocks * chunk / chunks), (int)((long)blocks * (chunk + 1) / chunks));

    /// <summary>Runs every chunk of <paramref name="work"/> on up to <paramref name="threads"/> threads, returning when all are done.</summary>
    public void Run(ITeamWork work, int threads)
    {
        var chunks = new ChunkQueue(work.Chunks);
        if (threads <= 1 || work.Chunks <= 1 || !_gate.TryEnter())
        {
            work.Run(chunks);
            return;
        }
        try
        {
            var helpers = Math.Min(threads, work.Chunks) - 1;
            while (_members.Count < helpers) _members.Add(new Member(_members.Count + 1));
            for (var m = 0; m < helpers; m++) _members[m].Post(work, chunks);
            Exception? failure = null;
            try { work.Run(chunks); }
            catch (Exception e) { failure = e; }
            for (var m = 0; m < helpers; m++) failure ??= _members[m].Finish();
            if (failure is not null) throw new AggregateException("a chunk of a team computation failed", failure);
        }
        finally
        {
            _gate.Exit();
        }
    }

    private sealed class Member
    {
        private const int Idle = 0, Posted = 1, Running = 2, Done = 3;

        private readonly SemaphoreSlim _wake = new(0);
        private ITeamWork? _work;
        private ChunkQueue? _chunks;
        private Exception? _failure;
        private int _state;

        public Member(int index)
        {
            new Thread(Loop) { Name = $"osprey-compute-{index}", IsBackground = true }.Start();
        }

        public void Post(ITeamWork work, ChunkQueue chunks)
        {
            (_work, _chunks, _failure) = (work, chunks, null);
            Volatile.Write(ref _state, Posted);
            _wake.Release();
        }

        /// <summary>
        /// Called once the queue is empty: withdraws the work if the member has not begun it (its wake-up
        /// then finds nothing posted), else spins until its last chunk is done (at most one chunk's time).
        /// </summary>
        public Exception? Finish()
        {
            if (Interlocked.CompareExchange(ref _state, Idle, Posted) == Posted) return null;
            var spin = new SpinWait();
            while (Volatile.Read(ref _state) != Done) spin.SpinOnce(sleep1Threshold: -1);
            Volatile.Write(ref _state, Idle);
            return _failure;
        }

        private void Loop()
        {
            while (true)
            {
                _wake.Wait();
                // A wake-up for work that was withdrawn finds the member idle (or already posted anew).
                if (Interlocked.CompareExchange(ref _state, Running, Posted) != Posted) continue;
                try { _work!.Run(_chunks!); }
                catch (Exception e) { _failure = e; }
                (_work, _chunks) = (null, null);
                Volatile.Write(ref _state, Done);
            }
        }
    }
}

/// <summary>The chunks of one team computation, each handed out once.</summary>
internal sealed class ChunkQueue(int count)
{
    private int _taken = -1;

    public bool TryTake(out int chunk)
    {
        chunk = Interlocked.Increment(ref _taken);
        return chunk < count;
    }
}

/// <summary>Work a <see cref="ComputeTeam"/> shares: <see cref="Chunks"/> independent chunks.</summary>
internal interface ITeamWork
{
    int Chunks { get; }

    /// <summary>Runs chunks taken from <paramref name="chunks"/> until none are left.</summary>
    void Run(ChunkQueue chunks);
}
