namespace Osprey.Training.Training;

/// <summary>
/// A conversation as prompt ids (with the <c>&lt;image&gt;</c> placeholder and <c>&lt;mask&gt;&lt;pos&gt;</c> ids) and,
/// per id, whether it is an answer token the loss predicts (answers and the <c>&lt;/s&gt;</c> closing them).
/// </summary>
public sealed record TokenizedExample(int[] Ids, bool[] IsTarget)
{
    public int TargetCount => IsTarget.Count(t => t);
}
