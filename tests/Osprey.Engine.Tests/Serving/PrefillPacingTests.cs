using Osprey.Engine.Serving;

namespace Osprey.Engine.Tests.Serving;

/// <summary>
/// The rule for prompt positions beside running decodes: as many as keep a step within the stretch of
/// the decode step the batch will have once the sequences taking their prompts decode too, at the step
/// costs learnt from the steps seen; the whole budget when nothing decodes or pacing is off; never
/// fewer than one.
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
        Assert.Equal(500, paced.PromptPositions(decodes: 0, joining: 3, budget: 500));

        var off = new PrefillPacing(null, firstProbe: 16);
        off.Observe(1, 0, Ms(100));
        off.Observe(1, 20, Ms(300));
        Assert.Equal(499, off.PromptPositions(decodes: 1, joining: 1, budget: 499));
    }

    [Fact]
    public void Before_any_step_and_while_only_one_size_was_seen_it_probes_with_a_few_positions()
    {
        var pacing = new PrefillPacing(1.5, firstProbe: 16);
        Assert.Equal(16, pacing.PromptPositions(decodes: 1, joining: 0, budget: 511));
        pacing.Observe(1, 0, Ms(100));
        pacing.Observe(1, 0, Ms(110));
        Assert.Equal(16, pacing.PromptPositions(decodes: 1, joining: 0, budget: 511));
        Assert.Equal(7, pacing.PromptPositions(decodes: 1, joining: 0, budget: 7));
    }

    [Fact]
    public void Positions_fit_the_stretch_of_the_decode_step_at_the_learnt_costs()
    {
        var pacing = new PrefillPacing(1.5, firstProbe: 16);
        // 90 ms + 10 ms a row, whether the row is a decode or a prompt position.
        pacing.Observe(1, 0, Ms(100));
        pacing.Observe(1, 19, Ms(290));
        // Beside 1 decode (100 ms), nobody joining: 150 ms, a 6-row step.
        Assert.Equal(5, pacing.PromptPositions(decodes: 1, joining: 0, budget: 511));
        Assert.Equal(3, pacing.PromptPositions(decodes: 1, joining: 0, budget: 3));
        // Beside 8 decodes (170 ms): 255 ms, a 16-row step.
        Assert.Equal(8, pacing.PromptPositions(decodes: 8, joining: 0, budget: 504));
    }

    [Fact]
    public void Sequences_taking_their_prompts_count_in_the_step_the_stretch_is_of()
    {
        // A CPU where 1-2 rows take the fast kernel and more rows cost little each: 74 ms at 1 row,
        // 130 at 8, 190 at 32.
        var pacing = new PrefillPacing(1.5, firstProbe: 16);
        foreach (var (rows, ms) in new[] { (1, 74.0), (2, 85.0), (4, 110.0), (8, 130.0), (16, 150.0), (32, 190.0) })
            pacing.Observe(1, rows - 1, Ms(ms));
        // Alone, the running decode allows 111 ms: a 4-row step (110 ms).
        Assert.Equal(3, pacing.PromptPositions(decodes: 1, joining: 0, budget: 511));
        // With 7 joining the batch's step will be 130 ms: 195 allowed, 34 rows (the last slope, 2.5 ms a row).
        Assert.Equal(33, pacing.PromptPositions(decodes: 1, joining: 7, budget: 511));
    }

    [Fact]
    public void Rows_far_past_those_seen_are_reached_a_doubling_at_a_time()
    {
        var pacing = new PrefillPacing(3, firstProbe: 4);
        pacing.Observe(1, 0, Ms(100));
        pacing.Observe(1, 3, Ms(101));
        // Every row seen is nearly free, but nothing past 8 rows was measured.
        Assert.Equal(7, pacing.PromptPositions(decodes: 1, joining: 0, budget: 511));
        pacing.Observe(1, 7, Ms(102));
        Assert.Equal(15, pacing.PromptPositions(decodes: 1, joining: 0, budget: 511));
    }

    [Fact]
    public void Recent_steps_move_the_estimate_and_prompts_always_progress()
    {
        var pacing = new PrefillPacing(1.5, firstProbe: 16);
        pacing.Observe(1, 0, Ms(100));
        pacing.Observe(1, 4, Ms(100));
        // Rows that cost nothing more: as far as the probe reaches.
        Assert.Equal(16, pacing.PromptPositions(decodes: 1, joining: 0, budget: 511));
        for (var i = 0; i < 20; i++)
        {
            pacing.Observe(1, 0, Ms(100));
            pacing.Observe(1, 1, Ms(600));
        }
        // A row now costs five decode steps: still one position a step.
        Assert.Equal(1, pacing.PromptPositions(decodes: 1, joining: 0, budget: 511));
    }

    [Fact]
    public void A_machine_slowed_alike_for_every_step_size_gets_about_the_same_positions()
    {
        var pacing = new PrefillPacing(1.5, firstProbe: 16);
        for (var i = 0; i < 20; i++)
            foreach (var (rows, ms) in new[] { (1, 40.0), (2, 46.0), (4, 60.0), (8, 62.0), (12, 75.0), (19, 108.0), (42, 174.0), (148, 751.0) })
                pacing.Observe(1, rows - 1, Ms(ms));
        // Beside one decode with one newcomer joining: 69 ms allowed, a 10-row step.
        Assert.Equal(9, pacing.PromptPositions(decodes: 1, joining: 1, budget: 511));
        // The running decode then slows to 1.6 times its time, as the whole machine does: the newcomer's
        // step would be slower too, so it gets about the same positions, not the 15 that the slow decode
        // against the quiet stretch's 16-row cost would allow.
        for (var i = 0; i < 12; i++) pacing.Observe(1, 0, Ms(64));
        Assert.InRange(pacing.PromptPositions(decodes: 1, joining: 1, budget: 511), 9, 12);
    }

    [Fact]
    public void A_stretch_of_one_or_less_is_refused()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ServingOptions { DecodeStepStretch = 1.0 }.Validate());
        Assert.Contains("above 1", error.Message);
        new ServingOptions { DecodeStepStretch = null }.Validate();
    }
}
