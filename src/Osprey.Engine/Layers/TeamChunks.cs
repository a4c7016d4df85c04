namespace Osprey.Engine.Layers;

/// <summary>The chunks one thread of a team computation is handed, and where each is written.</summary>
internal abstract class TeamChunks
{
    /// <summary>
    /// Finishes the chunk handed out before (if any) and hands out the next with the output to write it
    /// into; false when there is none for this thread (the run is out of chunks, or the caller took over).
    /// </summary>
    public abstract bool Next(out int chunk, out TeamOutput output);
}
