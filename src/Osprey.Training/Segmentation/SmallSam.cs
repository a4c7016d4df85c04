using Osprey.Engine.Segmentation;

namespace Osprey.Training.Segmentation;

/// <summary>
/// The shape of the default SAM: the published architecture at small dimensions for 128-pixel scenes.
/// Patches of 4 pixels give a 32×32 embedding whose 4× upsampled masks are at full resolution; windowed
/// blocks of 8×8 tokens with the last block global, as the published models end theirs.
/// </summary>
public static class SmallSam
{
    public static SamConfig Config(int imageSize = 128, int patchSize = 4, int embedDim = 64, int depth = 4, int heads = 2,
        int window = 8, int promptDim = 64) => new()
    {
        ImageSize = imageSize,
        PatchSize = patchSize,
        EncoderEmbedDim = embedDim,
        EncoderDepth = depth,
        EncoderNumHeads = heads,
        EncoderGlobalAttnIndexes = [depth - 1],
        WindowSize = window,
        PromptEmbedDim = promptDim,
        MaskInChans = 16,
        DecoderDepth = 2,
        DecoderMlpDim = 4 * promptDim,
        DecoderNumHeads = 4,
        AttentionDownsampleRate = 2,
        IouHeadDepth = 3,
        IouHeadHiddenDim = promptDim,
        NumMultimaskOutputs = 3,
    };
}
