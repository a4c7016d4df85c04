namespace OspreyCluster.Tests;

/// <summary>Short multi-turn scripts over a two-region image; few tokens each to keep CI cheap.</summary>
public static class ConversationScripts
{
    public const int MaxNewTokens = 4;

    public static IReadOnlyList<string> For(int conversation) => conversation % 2 == 0
        ? ["What is <region1>?", "And what about <region2>?", "Which is larger, <region1> or <region2>?"]
        : ["Describe <region2> briefly.", "Is <region2> next to <region1>?", "What color is it?"];

    /// <summary>Positions a turn must prefill when the previous turn's cache was kept.</summary>
    public static int NewPositions(int promptPositions, (string Text, int PromptPositions, int Generated, bool Stopped) previous) =>
        // After a turn stopped by the token limit its last sampled token was never fed; after an
        // end-of-sequence stop every kept answer token was.
        promptPositions - previous.PromptPositions - previous.Generated + (previous.Stopped ? 0 : 1);
}
