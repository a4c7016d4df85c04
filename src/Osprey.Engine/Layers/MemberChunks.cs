using System.Runtime.InteropServices;

namespace Osprey.Engine.Layers;

/// <summary>
/// A member's chunks: each computed into the member's scratch, then copied into the output if the caller
/// has not taken it over. The scratch holds one chunk's columns of every row; it grows to the widest chunk
/// seen and lives as long as the member's thread, which is the process's.
/// </summary>
internal sealed unsafe class MemberChunks : TeamChunks
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
}
