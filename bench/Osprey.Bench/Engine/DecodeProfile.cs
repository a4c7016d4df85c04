using Osprey.Engine.Generation;
using Osprey.Engine.Language;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Bench.Engine;

/// <summary>One part of a decode step and its mean time per step.</summary>
public sealed record DecodePart(string Part, double Ms);

/// <summary>
/// Where one decode step's time goes: the step the serving loop runs (embed the last tokens, one packed
/// forward, greedy sampling) for <see cref="Batch"/> sequences, each a fork of one first turn, timed
/// part by part through <see cref="StepProfile"/>. "other" is the step's time not inside any part
/// (dispatch between the parts, disposal, the managed code around them).
/// </summary>
public sealed record DecodeProfile(int Batch, double StepMs, IReadOnlyList<DecodePart> Parts)
{
    public static DecodeProfile Measure(LlamaForCausalLM llm, KvCache firstTurn, int batch, int steps)
    {
        var forks = Enumerable.Range(0, batch).Select(_ => firstTurn.Fork()).ToList();
        var samplers = Enumerable.Range(0, batch).Select(_ => new SequenceSampler(SamplingParams.Greedy)).ToList();
        var profile = new StepProfile();
        try
        {
            var tokens = Enumerable.Repeat(29871L, batch).ToArray();
            Step(); // warm-up: first-call kernel selection
            profile.Clear();
            llm.Profile = profile;
            var stepMs = Timing.Once(() => { for (var i = 0; i < steps; i++) Step(); }) / steps;
            var parts = profile.Parts.Select(p => new DecodePart(p.Part, p.Milliseconds / steps)).ToList();
            parts.Add(new DecodePart("other", Math.Max(0, stepMs - parts.Sum(p => p.Ms))));
            return new DecodeProfile(batch, stepMs, parts);

            void Step()
            {
                using var scope = torch.NewDisposeScope();
                Tensor embeddings;
                using (var ids = torch.tensor(tokens, device: llm.Device))
                {
                    var watch = System.Diagnostics.Stopwatch.StartNew();
                    embeddings = llm.EmbedTokens(ids);
                    if (llm.Profile is { } p) p.Add("embedding", watch.Elapsed.TotalMilliseconds);
                }
                var chunks = forks.Select((f, i) => new SequenceChunk(embeddings.narrow(0, i, 1), f)).ToList();
                var logits = llm.Forward(chunks);
                var sampling = System.Diagnostics.Stopwatch.StartNew();
                var next = TokenSampler.Sample(logits, samplers);
                if (llm.Profile is { } q) q.Add("sampling", sampling.Elapsed.TotalMilliseconds);
                for (var i = 0; i < batch; i++) tokens[i] = next[i];
            }
        }
        finally
        {
            llm.Profile = null;
            foreach (var sampler in samplers) sampler.Dispose();
            foreach (var fork in forks) fork.Dispose();
        }
    }
}
