using Osprey.Engine.Serving;

namespace Osprey.Engine.Tests.Serving;

/// <summary>
/// The rule for prompt positions beside running decodes: as many as keep a step within the stretch of
/// a decode-only step of the same batch, learnt from the steps seen; the whole budget when nothing
/// decodes or pacing is off; never fewer than one.
/// </summary>
public sealed class PrefillPacingTests
{
    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    [Fact]
    public void Nothing_decoding_or_pacing_off_leaves_the_whole_budget()
    {
        var paced = new PrefillPacing(1.5, firstProbe: 16);
        paced.Observe(1, 0, Ms(100));
        paced.Observe(1, 20, Ms(300));
        Assert.Equal(500, paced.PromptPositions(decodes: 0, budget: 500));

        var off = new PrefillPacing(null, firstProbe: 16);
        off.Observe(1, 0, Ms(100));
        off.Observe(1, 20, Ms(300));
        Assert.Equal(499, off.PromptPositions(decodes: 1, budget: 499));
    }

    [Fact]
    public void Before_a_step_beside_decodes_was_seen_it_probes_with_a_few_positions()
    {
        var pacing = new PrefillPacing(1.5, firstProbe: 16);
        Assert.Equal(16, pacing.PromptPositions(decodes: 1, budget: 511));
        pacing.Observe(1, 0, Ms(100));
        Assert.Equal(16, pacing.PromptPositions(decodes: 1, budget: 511));
        Assert.Equal(7, pacing.PromptPositions(decodes: 1, budget: 7));
    }

    [Fact]
    public void Positions_fit_the_stretch_of_the_decode_step_at_the_learnt_cost_per_position()
    {
        var pacing = new PrefillPacing(1.5, firstProbe: 16);
        pacing.Observe(1, 0, Ms(100));
        // 20 positions beside one decode took 200 ms more than the decode alone: 10 ms each.
        pacing.Observe(1, 20, Ms(300));
        // Half a step (50 ms) is left for prompts: 5 positions.
        Assert.Equal(5, pacing.PromptPositions(decodes: 1, budget: 511));
        // Eight decodes take 200 ms alone: 100 ms left, 10 positions.
        pacing.Observe(8, 0, Ms(200));
        Assert.Equal(10, pacing.PromptPositions(decodes: 8, budget: 504));
        // A batch size never seen alone takes the nearest one's step.
        Assert.Equal(10, pacing.PromptPositions(decodes: 7, budget: 505));
    }

    [Fact]
    public void Recent_steps_move_the_estimate_and_prompts_always_progress()
    {
        var pacing = new PrefillPacing(1.5, firstProbe: 16);
        pacing.Observe(1, 0, Ms(100));
        pacing.Observe(1, 4, Ms(100));
        // A step with prompt positions that cost nothing measurable: nothing holds them back.
        Assert.Equal(511, pacing.PromptPositions(decodes: 1, budget: 511));
        // Then one position costs ten steps: still one position a step, so the prompt finishes.
        for (var i = 0; i < 20; i++) pacing.Observe(1, 1, Ms(1100));
        Assert.Equal(1, pacing.PromptPositions(decodes: 1, budget: 511));
    }

    [Fact]
    public void A_stretch_of_one_or_less_is_refused()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ServingOptions { DecodeStepStretch = 1.0 }.Validate());
        Assert.Contains("above 1", error.Message);
        new ServingOptions { DecodeStepStretch = null }.Validate();
    }
}
