using System.Diagnostics;
using static TorchSharp.torch;

namespace Osprey.Engine.Layers;

/// <summary>
/// Dedicated threads that share one piece of work with the calling thread (never the thread pool,
/// which serves Orleans and ASP.NET). The work comes in chunks that the threads take from one queue as
/// they get to them, so a thread that wakes late or loses its core to another process takes fewer
/// chunks instead of holding every other thread up (a fixed split made the slowest thread's half the
/// step's time); a member that has not started when the queue runs dry is withdrawn, not waited for,
/// and a chunk a member has held for longer than the caller's chunks take (<see cref="Patience"/>) is
/// computed by the caller itself: a member that loses its core mid-chunk (on the 2-core machine the
/// kernel's memory monitor takes one for 12–26 ms every half second) would otherwise stop the caller
/// with it. That member finishes alone later, into its own scratch, holding what the chunk reads
/// (<see cref="ITeamWork.Reads"/>) until then.
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

    /// <summary>How many of the caller's own chunk times it waits for a member's chunk before computing it itself.</summary>
    private const double PatienceInChunks = 2;

    /// <summary>The least the caller waits for a member's chunk: below it, waking and finishing cost more than a chunk.</summary>
    private static readonly TimeSpan LeastPatience = TimeSpan.FromMicroseconds(50);

    /// <summary>How long the caller waits for a member that holds no chunk to leave the work before leaving it to finish alone.</summary>
    private static readonly TimeSpan LeavingPatience = TimeSpan.FromMicroseconds(20);

    [ThreadStatic] private static TimeSpan? t_patience;

    private readonly Lock _gate = new();
    private readonly List<Member> _members = [];
    private readonly List<Member> _posted = [];
    private long _takenOver;

    /// <summary>
    /// How long a caller on this thread waits for a member's chunk before computing it itself; null (the
    /// default) waits <see cref="PatienceInChunks"/> of the caller's own chunk times. Tests set zero to take
    /// over every chunk a member still holds when the caller runs out.
    /// </summary>
    public static TimeSpan? Patience
    {
        get => t_patience;
        set => t_patience = value;
    }

    /// <summary>Chunks callers have computed in place of a member that held them too long, since the process began.</summary>
    public long ChunksTakenOver => Interlocked.Read(ref _takenOver);

    /// <summary>
    /// How many threads work that reads <paramref name="bytes"/> from memory is shared by: one per megabyte, at
    /// most the threads this thread may use (<see cref="FewRowPass.Threads"/>) and at most <paramref name="most"/>.
    /// </summary>
    public static int ThreadsFor(long bytes, int most) => (int)Math.Clamp(bytes / BytesPerThread, 1, Math.Max(1, Math.Min(FewRowPass.Threads, most)));

    /// <summary>How many chunks work of <paramref name="blocks"/> blocks is cut into for <paramref name="threads"/> threads: one for one thread, else <see cref="ChunksPerThread"/> each, at most a block per chunk.</summary>
    public static int ChunksFor(int threads, int blocks) => threads == 1 ? 1 : Math.Min(blocks, threads * ChunksPerThread);

    /// <summary>
    /// The columns [From, To) of chunk <paramref name="chunk"/> of <paramref name="chunks"/> over <paramref name="columns"/>
    /// columns cut into blocks of <paramref name="block"/> (the last one narrower): whole blocks, as even as they allow.
    /// </summary>
    public static (int From, int To) ChunkColumns(int chunk, int chunks, int columns, int block)
    {
        var blocks = (columns + block - 1) / block;
        int from = (int)((long)blocks * chunk / chunks), to = (int)((long)blocks * (chunk + 1) / chunks);
        return (Math.Min(columns, from * block), Math.Min(columns, to * block));
    }

    /// <summary>Runs every chunk of <paramref name="work"/> on up to <paramref name="threads"/> threads, returning when all are done.</summary>
    public void Run(ITeamWork work, int threads)
    {
        var run = new TeamRun(work);
        if (threads <= 1 || work.Chunks <= 1 || !_gate.TryEnter())
        {
            work.Run(run.ForCaller());
            return;
        }
        try
        {
            var helpers = Math.Min(threads, work.Chunks) - 1;
            while (_members.Count < helpers) _members.Add(new Member(_members.Count + 1));
            _posted.Clear();
            // A member still finishing a chunk taken over in an earlier run sits this one out.
            for (var m = 0; m < helpers; m++)
                if (_members[m].TryPost(run)) _posted.Add(_members[m]);
            var started = Stopwatch.GetTimestamp();
            Exception? failure = null;
            try
            {
                work.Run(run.ForCaller());
                var took = Stopwatch.GetElapsedTime(started);
                var patience = Patience ?? Max(LeastPatience, took * PatienceInChunks / Math.Max(1, run.ComputedByCaller));
                var takenOver = run.AwaitOrTakeOver(patience);
                if (takenOver > 0) Interlocked.Add(ref _takenOver, takenOver);
            }
            catch (Exception e)
            {
                failure = e;
                run.Close();
            }
            foreach (var member in _posted) failure ??= member.Finish(run);
            if (failure is not null) throw new AggregateException("a chunk of a team computation failed", failure);
        }
        finally
        {
            _gate.Exit();
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private sealed class Member
    {
        private const int Idle = 0, Posted = 1, Running = 2, Done = 3, Left = 4;

        private readonly SemaphoreSlim _wake = new(0);
        private readonly MemberChunks _chunks = new();
        private TeamRun? _run;
        private Exception? _failure;
        private Tensor[]? _held;
        private int _state;

        public Member(int index)
        {
            new Thread(Loop) { Name = $"osprey-compute-{index}", IsBackground = true }.Start();
        }

        /// <summary>Hands the member <paramref name="run"/>; false when it is still finishing one it was left with.</summary>
        public bool TryPost(TeamRun run)
        {
            if (Volatile.Read(ref _state) != Idle) return false;
            (_run, _failure) = (run, null);
            Volatile.Write(ref _state, Posted);
            _wake.Release();
            return true;
        }

        /// <summary>
        /// Called once every chunk of <paramref name="run"/> is in the output: withdraws the work if the member
        /// has not begun it (its wake-up then finds nothing posted); else waits briefly for it to leave, and
        /// otherwise leaves it to finish alone (its result unused), holding what the chunks read.
        /// </summary>
        public Exception? Finish(TeamRun run)
        {
            if (Interlocked.CompareExchange(ref _state, Idle, Posted) == Posted) return null;
            var deadline = Stopwatch.GetTimestamp() + (long)(LeavingPatience.TotalSeconds * Stopwatch.Frequency);
            var spin = new SpinWait();
            while (Volatile.Read(ref _state) != Done && Stopwatch.GetTimestamp() < deadline) spin.SpinOnce(sleep1Threshold: -1);
            if (Volatile.Read(ref _state) != Done)
            {
                // The caller's scope frees what the work reads once this returns: the member keeps its own references.
                _held = [.. run.Work.Reads.Select(t => t.alias().DetachFromDisposeScope())];
                if (Interlocked.CompareExchange(ref _state, Left, Running) == Running) return null;
                Release(ref _held);
            }
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
                try
                {
                    _chunks.Begin(_run!);
                    _run!.Work.Run(_chunks);
                }
                catch (Exception e)
                {
                    _failure = e;
                }
                finally
                {
                    _chunks.End();
                    _run = null;
                }
                if (Interlocked.CompareExchange(ref _state, Done, Running) == Running) continue;
                // The caller left without this member: nobody reads its failure, and the references are its to drop.
                Release(ref _held);
                _failure = null;
                Volatile.Write(ref _state, Idle);
            }
        }

        private static void Release(ref Tensor[]? tensors)
        {
            foreach (var t in tensors ?? []) t.Dispose();
            tensors = null;
        }
    }
}
