namespace Osprey.Training.Data;

/// <summary>A dataset record was rejected; the message names the record index and the problem.</summary>
public sealed class RegionDatasetException : Exception
{
    public RegionDatasetException(int recordIndex, RegionDatasetProblem problem, string detail, Exception? inner = null)
        : base(recordIndex < 0 ? $"dataset: {detail}" : $"record {recordIndex}: {detail}", inner)
    {
        RecordIndex = recordIndex;
        Problem = problem;
    }

    /// <summary>Zero-based index of the record in the JSON list; -1 when the file as a whole is malformed.</summary>
    public int RecordIndex { get; }

    public RegionDatasetProblem Problem { get; }
}
