using OspreyCluster.Grains.Interfaces;

namespace OspreyCluster.Tests;

public static class Turns
{
    /// <summary>Runs one greedy turn; returns the final result and the streamed text pieces joined.</summary>
    public static async Task<(TurnResult Result, string Streamed)> Ask(IRegionConversationGrain conversation, string text, int maxNewTokens)
    {
        TurnResult? result = null;
        var streamed = new System.Text.StringBuilder();
        await foreach (var item in conversation.Ask(new TurnRequest { Text = text, MaxNewTokens = maxNewTokens, Temperature = 0 }))
        {
            if (item.Result is { } done) result = done;
            else streamed.Append(item.Text);
        }
        Assert.NotNull(result);
        return (result!, streamed.ToString());
    }
}
