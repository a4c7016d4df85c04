using Osprey.Engine.Language;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Language;

/// <summary>Bad input to the forward is rejected with a typed error, and leaves every cache untouched.</summary>
public sealed class InputValidationTests
{
    private static readonly long[] Prompt = Stories260K.Case("story_chunk").PromptIds;

    [Fact]
    public void Bad_chunks_are_rejected_before_any_cache_changes()
    {
        using var model = Stories260K.Load();
        using var inference = torch.inference_mode();
        using var scope = torch.NewDisposeScope();
        using var good = model.NewCache();
        using var other = model.NewCache();
        var embeddings = model.EmbedTokens(Stories260K.Ids(Prompt));

        void Rejects<T>(SequenceChunk bad) where T : Exception =>
            Assert.Throws<T>(() => model.Forward([new SequenceChunk(embeddings, good), bad]));

        Rejects<ArgumentException>(new SequenceChunk(torch.zeros(3, 32), other));                              // wrong width
        Rejects<ArgumentException>(new SequenceChunk(torch.zeros(0, 64), other));                              // no tokens
        Rejects<ArgumentException>(new SequenceChunk(torch.zeros(64), other));                                 // not [t, H]
        Rejects<ArgumentException>(new SequenceChunk(embeddings.to_type(ScalarType.BFloat16), other));         // wrong dtype
        Rejects<ArgumentException>(new SequenceChunk(embeddings, good));                                       // same cache twice
        Rejects<ContextLengthExceededException>(new SequenceChunk(torch.zeros(513, 64), other));               // past 512 positions
        using (var wrongShape = new KvCache(good.Layout with { Layers = 4 }))
            Rejects<ArgumentException>(new SequenceChunk(embeddings, wrongShape));                             // another model's cache
        var disposed = model.NewCache();
        disposed.Dispose();
        Rejects<ObjectDisposedException>(new SequenceChunk(embeddings, disposed));
        Assert.Throws<ArgumentException>(() => model.Forward([]));

        Assert.Equal(0, good.Length);
        Assert.Equal(0, other.Length);
        Assert.Equal(0, good.ByteSize);
        model.Forward([new SequenceChunk(embeddings, good)]);
        Assert.Equal(Prompt.Length, good.Length);
    }

    [Fact]
    public void Context_length_counts_the_positions_already_cached()
    {
        using var model = Stories260K.Load();
        using var inference = torch.inference_mode();
        using var scope = torch.NewDisposeScope();
        using var cache = model.NewCache();
        model.Forward([new SequenceChunk(torch.zeros(500, 64), cache)]);
        var fork = cache.Fork();
        using var _ = fork;
        model.Forward([new SequenceChunk(torch.zeros(12, 64), fork)]);
        var error = Assert.Throws<ContextLengthExceededException>(() => model.Forward([new SequenceChunk(torch.zeros(1, 64), fork)]));
        Assert.Equal(513, error.RequestedLength);
        Assert.Equal(512, fork.Length);
    }

    [Fact]
    public void Token_ids_outside_the_vocabulary_are_rejected()
    {
        using var model = Stories260K.Load();
        using var scope = torch.NewDisposeScope();
        Assert.Throws<ArgumentOutOfRangeException>(() => model.EmbedTokens(Stories260K.Ids([1, 512])));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.EmbedTokens(Stories260K.Ids([-1])));
        Assert.Throws<ArgumentException>(() => model.EmbedTokens(torch.tensor(new[] { 1, 2 })));
        Assert.Throws<ArgumentException>(() => model.EmbedTokens(Stories260K.Ids([1, 2]).view(1, 2)));
        Assert.Equal([2L, 64L], model.EmbedTokens(Stories260K.Ids([1, 511])).shape);
    }
}
