namespace Osprey.Engine.Multimodal;

/// <summary>The prompt's <c>&lt;mask&gt;&lt;pos&gt;</c> placeholders do not line up with the supplied regions.</summary>
public sealed class PromptRegionException(string message) : ArgumentException(message);
