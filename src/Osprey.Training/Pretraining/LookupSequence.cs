namespace Osprey.Training.Pretraining;

/// <summary>
/// One text-only pretraining sequence: its ids (BOS first) and the positions whose next-token
/// prediction is scored — those a lookup of an earlier token can answer.
/// </summary>
public sealed record LookupSequence(long[] Ids, int[] ScoredPositions);
