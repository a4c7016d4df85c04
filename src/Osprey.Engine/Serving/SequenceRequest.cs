using Osprey.Engine.Generation;
using Osprey.Engine.Prompting;

namespace Osprey.Engine.Serving;

/// <summary>
/// One generation: a whole prompt (from BOS, starting with the image prefix) and how to sample.
/// The engine prefills only what its caches do not already hold: whatever prompt ran before with the
/// same image, regions and leading ids (an earlier turn of the conversation, or the history a
/// stateless client resends) is found by content.
/// </summary>
public sealed record SequenceRequest
{
    public required ImageSource Image { get; init; }

    /// <summary>Prompt ids with <c>OspreyTokenizer.ImageTokenId</c> at the image's position.</summary>
    public required IReadOnlyList<int> PromptIds { get; init; }

    /// <summary>The regions the prompt's &lt;mask&gt;&lt;pos&gt; pairs refer to.</summary>
    public RegionMaskSet? Regions { get; init; }

    /// <summary>For the k-th &lt;mask&gt;&lt;pos&gt; pair of the whole prompt, the index of its region in <see cref="Regions"/>.</summary>
    public IReadOnlyList<int> RegionOrder { get; init; } = [];

    /// <summary>Sampling, the new-token limit and stop strings.</summary>
    public required SamplingParams Sampling { get; init; }

    /// <summary>A request for a built prompt: its ids and the region each of its pairs takes.</summary>
    public static SequenceRequest For(ImageSource image, ChatPrompt prompt, RegionMaskSet? regions, SamplingParams sampling)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        if (!prompt.AwaitsAnswer) throw new ArgumentException("The prompt does not end at an open question.", nameof(prompt));
        return new SequenceRequest
        {
            Image = image,
            PromptIds = [.. prompt.Ids],
            Regions = prompt.RegionCount == 0 ? null : regions,
            RegionOrder = [.. prompt.RegionOrder],
            Sampling = sampling,
        };
    }

    /// <summary>Return the float32 logits of the last prompt position in the outcome (fidelity checks).</summary>
    public bool ReturnPromptLogits { get; init; }
}
