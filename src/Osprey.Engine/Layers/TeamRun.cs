using System.Diagnostics;
using System.Runtime.InteropServices;

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

/// <summary>
/// A member's chunks: each computed into the member's scratch, then copied into the output if the caller
/// has not taken it over. The scratch holds one chunk's columns of every row and outlives any run.
/// </summary>
internal sealed unsafe class MemberChunks : TeamChunks, IDisposable
{
    private TeamRun? _run;
    private int _held = -1;
    private float* _scratch;
    private long _capacity;

    /// <summary>Starts handing out <paramref name="run"/>'s chunks.</summary>
    public void Begin(TeamRun run) => (_run, _held) = (run, -1);

    public void End() => _run = null;

    public override bool Next(out int chunk, out TeamOutput output)
    {
        var run = _run!;
        if (_held >= 0 && !run.Publish(_held, Scratch(_held)))
        {
            // The caller took this chunk over: the rest of the run is its.
            (_held, chunk, output) = (-1, -1, default);
            return false;
        }
        if (!run.TryTake(out chunk))
        {
            (_held, output) = (-1, default);
            return false;
        }
        _held = chunk;
        output = Scratch(chunk);
        return true;
    }

    /// <summary>The scratch as an output for <paramref name="chunk"/>'s columns: the chunk's first column at its start, rows one chunk wide.</summary>
    private TeamOutput Scratch(int chunk)
    {
        var work = _run!.Work;
        var (from, to) = work.Columns(chunk);
        var rows = work.Output.Rows;
        long width = to - from, needed = Math.Max(1, rows * width);
        if (needed > _capacity)
        {
            NativeMemory.AlignedFree(_scratch);
            _scratch = (float*)NativeMemory.AlignedAlloc((nuint)(needed * sizeof(float)), 64);
            _capacity = needed;
        }
        return new TeamOutput(_scratch - from, width, rows);
    }

    public void Dispose()
    {
        NativeMemory.AlignedFree(_scratch);
        _scratch = null;
        _capacity = 0;
    }
}

/// <summary>The chunks one thread of a team computation is handed, and where each is written.</summary>
internal abstract class TeamChunks
{
    /// <summary>
    /// Finishes the chunk handed out before (if any) and hands out the next with the output to write it
    /// into; false when there is none for this thread (the run is out of chunks, or the caller took over).
    /// </summary>
    public abstract bool Next(out int chunk, out TeamOutput output);
}
