using System.Diagnostics;

namespace Osprey.Engine.Layers;

/// <summary>
/// One team computation's chunks and who has finished each. The caller computes its chunks straight into
/// the output; a member computes into scratch of its own and copies a chunk into the output only if it
/// can still claim it, so once the caller has taken a chunk over (or closed the run) a member that comes
/// back late never writes into an output its caller may already have handed on, changed or freed.
/// </summary>
internal sealed unsafe class TeamRun(ITeamWork work)
{
    private const int Pending = 0, Publishing = 1, Done = 2, TakenOver = 3;

    private readonly int[] _states = new int[work.Chunks];
    private int _taken = -1, _done;

    public ITeamWork Work => work;

    public bool Complete => Volatile.Read(ref _done) == _states.Length;

    /// <summary>How many chunks the caller has computed from its own share (to know how long one takes).</summary>
    public int ComputedByCaller { get; private set; }

    /// <summary>The next chunk nobody has taken yet; each is handed out once.</summary>
    public bool TryTake(out int chunk)
    {
        chunk = Interlocked.Increment(ref _taken);
        return chunk < _states.Length;
    }

    /// <summary>The caller computed <paramref name="chunk"/> into the output.</summary>
    public void Computed(int chunk)
    {
        ComputedByCaller++;
        Volatile.Write(ref _states[chunk], Done);
        Interlocked.Increment(ref _done);
    }

    /// <summary>
    /// A member computed <paramref name="chunk"/> into <paramref name="scratch"/>: copies it into the output
    /// unless the caller took it over; false then (the member stops, its result unused).
    /// </summary>
    public bool Publish(int chunk, TeamOutput scratch)
    {
        if (Interlocked.CompareExchange(ref _states[chunk], Publishing, Pending) != Pending) return false;
        var output = work.Output;
        var (from, to) = work.Columns(chunk);
        var bytes = (long)(to - from) * sizeof(float);
        for (var r = 0; r < output.Rows; r++)
            Buffer.MemoryCopy(scratch.At + r * scratch.Ld + from, output.At + r * output.Ld + from, bytes, bytes);
        Volatile.Write(ref _states[chunk], Done);
        Interlocked.Increment(ref _done);
        return true;
    }

    /// <summary>
    /// Once the caller has run out of chunks: waits for the members' chunks, and computes on the caller any
    /// still unfinished after <paramref name="patience"/> (a member that lost its core to another process
    /// would otherwise hold the whole step for as long as it is off). Returns how many it computed.
    /// </summary>
    public int AwaitOrTakeOver(TimeSpan patience)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(patience.TotalSeconds * Stopwatch.Frequency);
        var spin = new SpinWait();
        while (!Complete && Stopwatch.GetTimestamp() < deadline) spin.SpinOnce(sleep1Threshold: -1);
        if (Complete) return 0;
        var takenOver = TakeOverPending();
        try
        {
            if (takenOver.Count > 0) work.Run(new TakenOverChunks(this, takenOver));
        }
        finally
        {
            AwaitPublishing();
        }
        return takenOver.Count;
    }

    /// <summary>The caller failed: no member may write into the output from now on.</summary>
    public void Close()
    {
        TakeOverPending();
        AwaitPublishing();
    }

    private List<int> TakeOverPending()
    {
        var takenOver = new List<int>();
        for (var c = 0; c < _states.Length; c++)
            if (Interlocked.CompareExchange(ref _states[c], TakenOver, Pending) == Pending) takenOver.Add(c);
        return takenOver;
    }

    /// <summary>Waits out members in the middle of copying a chunk (a copy of a few kilobytes).</summary>
    private void AwaitPublishing()
    {
        var spin = new SpinWait();
        for (var c = 0; c < _states.Length; c++)
            while (Volatile.Read(ref _states[c]) == Publishing) spin.SpinOnce(sleep1Threshold: -1);
    }

    /// <summary>The chunks the caller computes straight into the output.</summary>
    public TeamChunks ForCaller() => new CallerChunks(this);

    /// <summary>The caller's chunks, taken from the run.</summary>
    private sealed class CallerChunks(TeamRun run) : TeamChunks
    {
        private int _held = -1;

        public override bool Next(out int chunk, out TeamOutput output)
        {
            if (_held >= 0) run.Computed(_held);
            output = run.Work.Output;
            if (run.TryTake(out chunk))
            {
                _held = chunk;
                return true;
            }
            _held = -1;
            return false;
        }
    }

    /// <summary>Chunks the caller took over from members, computed straight into the output.</summary>
    private sealed class TakenOverChunks(TeamRun run, List<int> chunks) : TeamChunks
    {
        private int _next;

        public override bool Next(out int chunk, out TeamOutput output)
        {
            if (_next > 0) Interlocked.Increment(ref run._done);
            output = run.Work.Output;
            if (_next < chunks.Count)
            {
                chunk = chunks[_next++];
                return true;
            }
            chunk = -1;
            return false;
        }
    }
}
