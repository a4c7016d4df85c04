namespace Osprey.Engine.Checkpoints;

/// <summary>Weight loading progress: reported after each tensor is copied into its parameter.</summary>
public readonly record struct LoadProgress(int TensorsDone, int TensorsTotal, long BytesDone, long BytesTotal, string? CurrentTensor)
{
    public double Fraction => BytesTotal == 0 ? 1.0 : (double)BytesDone / BytesTotal;
}
