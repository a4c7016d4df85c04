using static TorchSharp.torch;

namespace Osprey.Engine.Layers;

/// <summary>
/// Work a <see cref="ComputeTeam"/> shares: <see cref="Chunks"/> independent chunks, each writing its own
/// columns of every row of one float32 output. Chunks must be deterministic: the team may compute a
/// chunk a second time (on the caller, when the member holding it has lost its core) and keeps one result.
/// </summary>
internal interface ITeamWork
{
    int Chunks { get; }

    /// <summary>The output the chunks write.</summary>
    TeamOutput Output { get; }

    /// <summary>The columns [From, To) of every output row that chunk <paramref name="chunk"/> writes, and no others.</summary>
    (int From, int To) Columns(int chunk);

    /// <summary>
    /// The tensors whose memory the chunks read. A member computing a chunk the caller took over finishes
    /// it after the call has returned and the caller's scope has freed them: it holds these until then.
    /// </summary>
    IReadOnlyList<Tensor> Reads { get; }

    /// <summary>Computes the chunks <paramref name="chunks"/> hands out, each into the output it names, until it hands out none.</summary>
    void Run(TeamChunks chunks);
}

/// <summary>Where a chunk writes: element (r, c) of the output at <see cref="At"/> + r·<see cref="Ld"/> + c, for the chunk's columns c.</summary>
internal readonly unsafe struct TeamOutput(float* at, long ld, int rows)
{
    public float* At { get; } = at;
    public long Ld { get; } = ld;
    public int Rows { get; } = rows;
}
