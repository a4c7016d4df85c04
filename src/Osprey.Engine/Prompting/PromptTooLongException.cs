namespace Osprey.Engine.Prompting;

/// <summary>The prompt (with its image tokens) plus the tokens to generate exceed the model's context length.</summary>
public sealed class PromptTooLongException : Exception
{
    public int PromptLength { get; }
    public int MaxNewTokens { get; }
    public int MaxLength { get; }

    public PromptTooLongException(int promptLength, int maxNewTokens, int maxLength)
        : base($"the prompt is {promptLength} positions (image tokens included) and up to {maxNewTokens} new tokens were asked for, " +
               $"but the model's context length is {maxLength}")
    {
        PromptLength = promptLength;
        MaxNewTokens = maxNewTokens;
        MaxLength = maxLength;
    }
}
