namespace Osprey.Engine.Serving;

/// <summary>Which part of an image's resident state a <see cref="SlicedImageEncode"/> slice computes: the label its duration is recorded under.</summary>
public enum EncodeSlicePart
{
    /// <summary>Decoding the image's bytes.</summary>
    Decode,

    /// <summary>Preprocessing its pixels (resize, pad, normalise) for the vision encode.</summary>
    Pixels,

    /// <summary>A step of the vision encode: the trunk's stem, a downsample, a block, or a step of the projector.</summary>
    Vision,

    /// <summary>The shared prompt prefix's embeddings, image features spliced in.</summary>
    PromptEmbedding,

    /// <summary>One decoder layer of one chunk of the prefix's prefill.</summary>
    PrefixPrefill,
}
