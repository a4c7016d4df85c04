using Osprey.Engine.Language;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Language;

/// <summary>
/// A few prompt positions that continue a cache (a newcomer's question after its image prefix, beside
/// running decodes) attend on the in-place kernels (<c>SegmentedAttention.ContinuingRows</c>): their
/// logits are those of computing every position in one pass, with the past in the cache's own storage
/// and as a shared prefix of a fork, alone and packed beside a decode of another sequence.
/// </summary>
public sealed class ContinuingChunkAttentionTests
{
    [Theory]
    [InlineData(ScalarType.Float32, 5, false)]
    [InlineData(ScalarType.Float32, 16, true)]
    [InlineData(ScalarType.BFloat16, 9, true)]
    [InlineData(ScalarType.Float32, 32, true)]
    public void A_continuing_chunk_gives_the_logits_of_one_pass_over_every_position(ScalarType dtype, int chunkLength, bool fork)
    {
        // bfloat16: the one-pass reference rounds its scores and products where the kernels sum in float32.
        var tolerance = dtype == ScalarType.Float32 ? 1e-4 : 0.1;
        using var model = DecodeAttentionTests.RandomModel(heads: 4, kvHeads: 2, headDim: 128, seed: chunkLength, dtype);
        using var inference = torch.inference_mode();
        using var scope = torch.NewDisposeScope();
        var past = Enumerable.Range(0, 21).Select(i => (long)(i * 7 % 97)).ToArray();
        var chunk = Enumerable.Range(0, chunkLength).Select(i => (long)(i * 13 % 97 + 1)).ToArray();

        using var whole = model.NewCache();
        var expected = model.Forward([new SequenceChunk(model.EmbedTokens(torch.tensor([.. past, .. chunk])), whole)], allPositions: true)
            .narrow(0, past.Length, chunkLength);

        using var prefix = model.NewCache();
        model.Forward([new SequenceChunk(model.EmbedTokens(torch.tensor(past)), prefix)]);
        using var continued = fork ? prefix.Fork() : null;
        var cache = continued ?? prefix;
        // Packed beside another sequence's decode, as a newcomer joins the running batch.
        using var other = model.NewCache();
        model.Forward([new SequenceChunk(model.EmbedTokens(torch.tensor(new long[] { 3, 4, 5 })), other)]);
        var logits = model.Forward(
            [new SequenceChunk(model.EmbedTokens(torch.tensor(new long[] { 6 })), other), new SequenceChunk(model.EmbedTokens(torch.tensor(chunk)), cache)],
            allPositions: true);
        var actual = logits.narrow(0, 1, chunkLength);

        var off = actual.to(ScalarType.Float32).sub(expected.to(ScalarType.Float32)).abs().max().item<float>();
        Assert.True(off < tolerance, $"logits differ by {off}");
    }
}
