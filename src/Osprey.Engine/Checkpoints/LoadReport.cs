namespace Osprey.Engine.Checkpoints;

/// <summary>What a load did: parameters filled, stored bytes read, checkpoint tensors skipped as known-unused.</summary>
public sealed record LoadReport(int TensorsLoaded, long BytesRead, IReadOnlyList<string> IgnoredTensors);
