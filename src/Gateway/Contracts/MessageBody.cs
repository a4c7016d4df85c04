namespace OspreyCluster.Gateway.Contracts;

/// <summary>One user turn; <c>&lt;regionK&gt;</c> refers to the conversation's K-th region (1-based).</summary>
public sealed record MessageBody(string? Text, int? MaxNewTokens, float? Temperature, float? TopP, long? Seed);

/// <summary>The final object of a turn (also the SSE <c>done</c> event).</summary>
public sealed record MessageReply(string Text, string Silo, int PromptTokens, int PrefilledTokens, int GeneratedTokens, string FinishReason);

/// <summary>The SSE <c>token</c> event.</summary>
public sealed record TokenEvent(string Text);
