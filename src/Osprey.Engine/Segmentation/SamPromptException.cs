namespace Osprey.Engine.Segmentation;

/// <summary>A point or box prompt that does not fit the image or the model's limits; the message says which and why.</summary>
public sealed class SamPromptException(string message) : Exception(message);
