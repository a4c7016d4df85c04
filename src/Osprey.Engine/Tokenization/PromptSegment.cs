namespace Osprey.Engine.Tokenization;

/// <summary>One piece of a prompt after the special-token split: either plain text or one special id.</summary>
public readonly record struct PromptSegment(string? Text, int SpecialId)
{
    public bool IsText => Text is not null;

    public static PromptSegment Plain(string text) => new(text, 0);

    public static PromptSegment Special(int id) => new(null, id);
}
