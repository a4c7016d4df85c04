namespace Osprey.Bench.Engine;

/// <summary>Seconds per training step of one step kind with a number of data-parallel workers (the fastest of the repetitions).</summary>
public sealed record TrainingResult(string Step, int BatchSize, int Workers, int ThreadsPerWorker, double SecondsPerStep);
