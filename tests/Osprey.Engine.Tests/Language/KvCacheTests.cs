using Osprey.Engine.Language;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Language;

/// <summary>Cached decoding, forks with shared prefixes, freezing and disposal, against recomputation.</summary>
public sealed class KvCacheTests(ITestOutputHelper output)
{
    private static readonly long[] Story = [.. Stories260K.Case("story_chunk").PromptIds, .. Stories260K.Case("story_chunk").GeneratedIds];
    private static readonly long[] Other = Stories260K.Case("arbitrary_ids").PromptIds;

    private static Tensor Step(LlamaForCausalLM model, KvCache cache, ReadOnlySpan<long> ids, bool allPositions = true)
    {
        using var scope = torch.NewDisposeScope();
        var logits = model.Forward([new SequenceChunk(model.EmbedTokens(Stories260K.Ids(ids.ToArray())), cache)], allPositions);
        return scope.MoveToOuter(logits);
    }

    [Fact]
    public void Cached_decoding_equals_recomputation_without_cache()
    {
        using var model = Stories260K.Load();
        using var inference = torch.inference_mode();
        using var scope = torch.NewDisposeScope();
        var reference = Stories260K.AllLogits(model, Story);
        using var cache = model.NewCache();
        // A prefill, a multi-token chunk continuing a cache, then single-token decode steps.
        var rows = new List<Tensor> { Step(model, cache, Story.AsSpan(0, 9)), Step(model, cache, Story.AsSpan(9, 5)) };
        for (var i = 14; i < Story.Length; i++) rows.Add(Step(model, cache, Story.AsSpan(i, 1)));
        var cached = torch.cat(rows.ToArray(), 0);
        var diff = Stories260K.MaxAbsDiff(cached, reference);
        output.WriteLine($"cached vs uncached, {Story.Length} positions: max |Δ| = {diff:E2}");
        Assert.True(diff < 1e-4, $"max |Δ| = {diff:E2}");
        Assert.Equal(Story.Length, cache.Length);
    }

    [Fact]
    public void Forks_continue_independently_and_equal_recomputation()
    {
        using var model = Stories260K.Load();
        using var inference = torch.inference_mode();
        using var scope = torch.NewDisposeScope();
        const int prefix = 12;
        var parent = model.NewCache();
        Step(model, parent, Story.AsSpan(0, prefix));
        var parentBytes = parent.ByteSize;
        Assert.True(parentBytes > 0);

        var a = parent.Fork();
        var b = parent.Fork();
        Assert.True(parent.IsFrozen);
        Assert.Equal(prefix, a.Length);
        Assert.Equal(prefix, a.PrefixLength);
        Assert.Equal(0, a.ByteSize);
        Assert.Throws<KvCacheFrozenException>(() => Step(model, parent, Story.AsSpan(prefix, 1)));
        Assert.Equal(prefix, parent.Length);

        // a continues the story; b goes elsewhere from the same prefix.
        var aLogits = Step(model, a, Story.AsSpan(prefix, 6));
        var bLogits = Step(model, b, Other.AsSpan(1, 7));
        Assert.True(a.ByteSize > 0 && b.ByteSize > 0);
        Assert.Equal(parentBytes, parent.ByteSize);

        var aReference = Stories260K.AllLogits(model, Story.Take(prefix + 6));
        var bReference = Stories260K.AllLogits(model, Story.Take(prefix).Concat(Other.Skip(1).Take(7)));
        var aDiff = Stories260K.MaxAbsDiff(aLogits, aReference.narrow(0, prefix, 6));
        var bDiff = Stories260K.MaxAbsDiff(bLogits, bReference.narrow(0, prefix, 7));

        // A fork of a fork: two shared segments (parent's 12, a's 6) under its own positions.
        var a2 = a.Fork();
        Assert.Throws<KvCacheFrozenException>(() => Step(model, a, Story.AsSpan(prefix + 6, 1)));
        // Disposing the ancestors first must not free what the descendants still read.
        parent.Dispose();
        a.Dispose();
        Assert.Throws<ObjectDisposedException>(() => parent.Fork());
        var a2Rows = new List<Tensor>();
        for (var i = prefix + 6; i < prefix + 12; i++) a2Rows.Add(Step(model, a2, Story.AsSpan(i, 1), allPositions: false));
        var a2Reference = Stories260K.AllLogits(model, Story.Take(prefix + 12));
        var a2Diff = Stories260K.MaxAbsDiff(torch.cat(a2Rows.ToArray(), 0), a2Reference.narrow(0, prefix + 6, 6));
        var bNext = Step(model, b, Other.AsSpan(8, 2));
        var bNextReference = Stories260K.AllLogits(model, Story.Take(prefix).Concat(Other.Skip(1).Take(9)));
        var bNextDiff = Stories260K.MaxAbsDiff(bNext, bNextReference.narrow(0, prefix + 7, 2));
        output.WriteLine($"fork a {aDiff:E2}, fork b {bDiff:E2}, fork of fork {a2Diff:E2}, b after ancestors disposed {bNextDiff:E2}");
        Assert.True(aDiff < 1e-4 && bDiff < 1e-4 && a2Diff < 1e-4 && bNextDiff < 1e-4);
        Assert.Equal(prefix + 12, a2.Length);
        a2.Dispose();
        b.Dispose();
    }

    [Fact]
    public void A_fork_inside_a_cache_sees_only_its_first_positions_while_the_cache_grows_on()
    {
        using var model = Stories260K.Load();
        using var inference = torch.inference_mode();
        using var scope = torch.NewDisposeScope();
        var parent = model.NewCache();
        Step(model, parent, Story.AsSpan(0, 8));
        var child = parent.Fork();
        Step(model, child, Story.AsSpan(8, 10));

        // Cut inside the child's own positions: 8 shared from the parent, 5 of the child's 10.
        var cut = child.ForkAt(13);
        Assert.Equal(13, cut.Length);
        Assert.False(child.IsFrozen);
        // The cut cache goes elsewhere; the child keeps growing (its storage reallocates) underneath it.
        var cutLogits = Step(model, cut, Other.AsSpan(1, 4));
        for (var i = 18; i < Story.Length; i++) Step(model, child, Story.AsSpan(i, 1));
        var cutAgain = Step(model, cut, Other.AsSpan(5, 2));

        var reference = Stories260K.AllLogits(model, Story.Take(13).Concat(Other.Skip(1).Take(6)));
        var diff = Math.Max(Stories260K.MaxAbsDiff(cutLogits, reference.narrow(0, 13, 4)), Stories260K.MaxAbsDiff(cutAgain, reference.narrow(0, 17, 2)));
        output.WriteLine($"fork at 13 of {child.Length}: max |Δ| = {diff:E2}");
        Assert.True(diff < 1e-4, $"max |Δ| = {diff:E2}");
        Assert.Throws<ArgumentOutOfRangeException>(() => child.ForkAt(child.Length + 1));
        cut.Dispose();
        child.Dispose();
        parent.Dispose();
    }

    [Fact]
    public void Disposing_a_cache_and_all_its_forks_frees_their_storage()
    {
        using var model = Stories260K.Load();
        using var inference = torch.inference_mode();
        var stats = DisposeScopeManager.Statistics.TensorStatistics;
        // The rotary tables are built once per model; build them before counting.
        using (var warm = model.NewCache()) Step(model, warm, Story.AsSpan(0, 1)).Dispose();
        var before = stats.ThreadTotalLiveCount;

        var parent = model.NewCache();
        Step(model, parent, Story.AsSpan(0, 10)).Dispose();
        var fork = parent.Fork();
        Step(model, fork, Story.AsSpan(10, 3)).Dispose();
        var grandchild = fork.Fork();
        Step(model, grandchild, Story.AsSpan(13, 1)).Dispose();
        Assert.Equal(3, stats.ThreadTotalLiveCount - before); // one storage tensor per cache

        parent.Dispose();
        fork.Dispose();
        Assert.Equal(3, stats.ThreadTotalLiveCount - before); // still read by the grandchild
        Assert.Throws<ObjectDisposedException>(() => Step(model, fork, Story.AsSpan(13, 1)));
        Step(model, grandchild, Story.AsSpan(14, 1)).Dispose();
        grandchild.Dispose();
        grandchild.Dispose();
        Assert.Equal(0, stats.ThreadTotalLiveCount - before);
        Assert.Equal(0, grandchild.ByteSize);
    }

    [Fact]
    public void Own_storage_grows_in_amortised_steps()
    {
        using var model = Stories260K.Load();
        using var inference = torch.inference_mode();
        using var cache = model.NewCache();
        var bytesPerPosition = cache.Layout.BytesPerPosition;
        var capacities = new List<long>();
        for (var i = 0; i < 200; i++)
        {
            Step(model, cache, Story.AsSpan(i % Story.Length, 1), allPositions: false).Dispose();
            var capacity = cache.ByteSize / bytesPerPosition;
            Assert.True(capacity >= cache.Length);
            if (capacities.Count == 0 || capacities[^1] != capacity) capacities.Add(capacity);
        }
        output.WriteLine($"capacities over 200 decode steps: {string.Join(", ", capacities)}");
        Assert.True(capacities.Count <= 6, "storage should grow geometrically, not per step");
    }

    [Fact]
    public void Decode_steps_leave_no_tensors_behind()
    {
        using var model = Stories260K.Load();
        using var inference = torch.inference_mode();
        var stats = DisposeScopeManager.Statistics.TensorStatistics;
        using var cache = model.NewCache();
        Step(model, cache, Story.AsSpan(0, 9), allPositions: false).Dispose();
        var forked = cache.Fork();
        Step(model, forked, Story.AsSpan(9, 1), allPositions: false).Dispose();
        var before = stats.ThreadTotalLiveCount;
        for (var i = 10; i < 30; i++)
        {
            using var ids = Stories260K.Ids([Story[i]]);
            using var embeddings = model.EmbedTokens(ids);
            using var logits = model.Forward([new SequenceChunk(embeddings, forked)]);
        }
        var after = stats.ThreadTotalLiveCount;
        forked.Dispose();
        output.WriteLine($"live tensors before {before}, after 20 decode steps {after}");
        Assert.Equal(before, after);
    }
}
