using Osprey.Bench.Engine;
using Osprey.Bench.Peers;

namespace Osprey.Bench.Tests;

/// <summary>
/// llama.cpp kept running beside the engine: the bench's session answers decode-step timings on request,
/// refuses a request past its context with a reason and keeps answering, and its steps alternate with the
/// engine's in turn.
/// </summary>
public sealed class LlamaCppSessionTests
{
    [Fact]
    public void Interleaved_rounds_alternate_engine_and_peer_and_report_their_medians()
    {
        var calls = new List<string>();
        double[] engine = [10, 30, 20], peer = [5, 6, 40];
        int e = 0, p = 0;
        var turns = InterleavedDecode.Measure(3, () => { calls.Add("engine"); return engine[e++]; }, () => { calls.Add("peer"); return peer[p++]; });

        Assert.Equal(["engine", "peer", "engine", "peer", "engine", "peer"], calls);
        Assert.Equal(20, turns.EngineMedianMs);
        Assert.Equal(6, turns.PeerMedianMs);
        Assert.Equal([2, 5, 0.5], turns.RoundRatios);
        Assert.Throws<ArgumentOutOfRangeException>(() => InterleavedDecode.Measure(0, () => 1, () => 1));
    }

    [SkippableLlamaCppFact]
    public void A_session_times_decode_steps_on_request_and_refuses_bad_requests_without_ending()
    {
        var (runner, _) = LlamaCppRun.Locate("node", null);
        using var files = new GgufFiles(FixturePaths.OspreyTiny, FixturePaths.OspreyTiny, _ => { });
        var gguf = files.For("fp32");
        Assert.Same(gguf, files.For("fp32"));
        var folder = Path.GetDirectoryName(gguf)!;

        using (var session = LlamaCppSession.Start(runner!.Node, runner.Script, gguf, 32, 2, 1, TimeSpan.FromMinutes(2)))
        {
            var first = session.DecodeStepMs(3);
            var second = session.DecodeStepMs(3);
            Assert.True(first > 0 && double.IsFinite(first), $"first request: {first} ms");
            Assert.True(second > 0 && double.IsFinite(second), $"second request: {second} ms");

            // The session's context holds the prompt and 512 more positions by default.
            var refusal = Assert.Throws<InvalidOperationException>(() => session.DecodeStepMs(600));
            Assert.Contains("decode_steps must be", refusal.Message);
            Assert.Contains("not a JSON request", session.Ask("{not json").GetProperty("error").GetString());
            Assert.True(session.DecodeStepMs(2) > 0);
        }
        Assert.True(File.Exists(gguf), "the file outlives the session: the llama.cpp phase reads it too");
        files.Dispose();
        Assert.False(Directory.Exists(folder), "the GGUF files' folder goes with them");
    }
}

/// <summary>A fact skipped, with the reason, when node or the bench's node-llama-cpp is not installed.</summary>
public sealed class SkippableLlamaCppFactAttribute : FactAttribute
{
    public SkippableLlamaCppFactAttribute()
    {
        var (_, reason) = LlamaCppRun.Locate("node", null);
        if (reason is not null) Skip = reason;
    }
}
