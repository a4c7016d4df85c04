using static TorchSharp.torch;

namespace Osprey.Engine.Language;

/// <summary>
/// The next tokens of one sequence in a forward pass: their input embeddings [t, hidden] (model
/// dtype and device) and the cache they continue; their positions start at <c>Cache.Length</c>.
/// </summary>
public sealed record SequenceChunk(Tensor Embeddings, KvCache Cache);
