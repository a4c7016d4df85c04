namespace Osprey.Engine.Layers;

/// <summary>
/// Dedicated threads that split one piece of work with the calling thread: part 0 runs on the
/// caller, the others on the team's own threads (never the thread pool, which serves Orleans and
/// ASP.NET). One caller at a time: a second caller that finds the team busy runs every part itself,
/// so concurrent users never wait on each other.
/// </summary>
internal sealed class ComputeTeam
{
    public static ComputeTeam Shared { get; } = new();

    /// <summary>Bytes a part must read before one more thread saves more than waking it costs.</summary>
    private const long BytesPerPart = 1 << 20;

    private readonly Lock _gate = new();
    private readonly List<Member> _members = [];

    /// <summary>
    /// How many parts work that reads <paramref name="bytes"/> from memory splits into: one per megabyte, at
    /// most one per thread this thread may use (<see cref="FewRowPass.Threads"/>) and at most <paramref name="most"/>.
    /// </summary>
    public static int PartsFor(long bytes, int most) => (int)Math.Clamp(bytes / BytesPerPart, 1, Math.Max(1, Math.Min(FewRowPass.Threads, most)));

    /// <summary>Runs <c>work.RunPart(p, parts)</c> for every p in [0, parts), returning when all are done.</summary>
    public void Run(ITeamWork work, int parts)
    {
        if (parts <= 1 || !_gate.TryEnter())
        {
            for (var p = 0; p < parts; p++) work.RunPart(p, parts);
            return;
        }
        try
        {
            while (_members.Count < parts - 1) _members.Add(new Member(_members.Count + 1));
            for (var p = 1; p < parts; p++) _members[p - 1].Post(work, p, parts);
            Exception? failure = null;
            try { work.RunPart(0, parts); }
            catch (Exception e) { failure = e; }
            for (var p = 1; p < parts; p++) failure ??= _members[p - 1].WaitDone();
            if (failure is not null) throw new AggregateException("a part of a team computation failed", failure);
        }
        finally
        {
            _gate.Exit();
        }
    }

    private sealed class Member
    {
        private readonly SemaphoreSlim _posted = new(0);
        private ITeamWork? _work;
        private int _part;
        private int _parts;
        private Exception? _failure;
        private volatile bool _done;

        public Member(int index)
        {
            new Thread(Loop) { Name = $"osprey-compute-{index}", IsBackground = true }.Start();
        }

        public void Post(ITeamWork work, int part, int parts)
        {
            (_work, _part, _parts, _failure, _done) = (work, part, parts, null, false);
            _posted.Release();
        }

        /// <summary>Spins: the parts are split evenly, so the caller's own part ends about when this one does.</summary>
        public Exception? WaitDone()
        {
            var spin = new SpinWait();
            while (!_done) spin.SpinOnce(sleep1Threshold: -1);
            return _failure;
        }

        private void Loop()
        {
            while (true)
            {
                _posted.Wait();
                try { _work!.RunPart(_part, _parts); }
                catch (Exception e) { _failure = e; }
                _work = null;
                _done = true;
            }
        }
    }
}

/// <summary>Work a <see cref="ComputeTeam"/> splits: part p of parts.</summary>
internal interface ITeamWork
{
    void RunPart(int part, int parts);
}
