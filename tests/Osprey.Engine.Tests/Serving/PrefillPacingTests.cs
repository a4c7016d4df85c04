using Osprey.Engine.Serving;

namespace Osprey.Engine.Tests.Serving;

/// <summary>
/// The rule for prompt positions beside running decodes: as many as keep a step within the stretch of
/// a decode-only step of the same batch, at a cost per row learnt from the steps seen; the whole budget
/// when nothing decodes or pacing is off; never fewer than one.
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
    public void Until_steps_of_two_sizes_were_seen_it_probes_with_a_few_positions()
    {
        var pacing = new PrefillPacing(1.5, firstProbe: 16);
        Assert.Equal(16, pacing.PromptPositions(decodes: 1, budget: 511));
        pacing.Observe(1, 0, Ms(100));
        pacing.Observe(1, 0, Ms(110));
        Assert.Equal(16, pacing.PromptPositions(decodes: 1, budget: 511));
        Assert.Equal(7, pacing.PromptPositions(decodes: 1, budget: 7));
    }

    [Fact]
    public void Positions_fit_the_stretch_of_the_decode_step_at_the_learnt_cost_per_row()
    {
        var pacing = new PrefillPacing(1.5, firstProbe: 16);
        // 90 ms + 10 ms a row, whether the row is a decode or a prompt position.
        pacing.Observe(1, 0, Ms(100));
        pacing.Observe(1, 20, Ms(300));
        // Beside 1 decode (100 ms): 50 ms of stretch at 10 ms a position.
        Assert.Equal(5, pacing.PromptPositions(decodes: 1, budget: 511));
        pacing.Observe(8, 0, Ms(170));
        // Beside 8 decodes (170 ms): 85 ms; beside 7 (160 ms): 80 ms.
        Assert.Equal(8, pacing.PromptPositions(decodes: 8, budget: 504));
        Assert.Equal(8, pacing.PromptPositions(decodes: 7, budget: 505));
        Assert.Equal(3, pacing.PromptPositions(decodes: 7, budget: 3));
    }

    [Fact]
    public void An_added_decode_is_not_charged_to_the_prompt()
    {
        // Decode-only steps of 1 and mixed steps of 2 decodes + 1 position: the second decode costs a
        // row like the position does, so the position is not billed for it.
        var pacing = new PrefillPacing(1.5, firstProbe: 16);
        for (var i = 0; i < 10; i++)
        {
            pacing.Observe(1, 0, Ms(120));
            pacing.Observe(2, 1, Ms(140));
        }
        // 110 ms + 10 ms a row: beside 2 decodes (130 ms) 65 ms of stretch, 6 positions. Charging the
        // 20 ms over the 1-decode step to the one position would have granted 3.
        Assert.Equal(6, pacing.PromptPositions(decodes: 2, budget: 511));
    }

    [Fact]
    public void Recent_steps_move_the_estimate_and_prompts_always_progress()
    {
        var pacing = new PrefillPacing(1.5, firstProbe: 16);
        pacing.Observe(1, 0, Ms(100));
        pacing.Observe(1, 4, Ms(100));
        // Rows that cost nothing more: the whole budget.
        Assert.Equal(511, pacing.PromptPositions(decodes: 1, budget: 511));
        for (var i = 0; i < 20; i++)
        {
            pacing.Observe(1, 0, Ms(100));
            pacing.Observe(1, 1, Ms(600));
        }
        // A row now costs five decode steps: still one position a step.
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
