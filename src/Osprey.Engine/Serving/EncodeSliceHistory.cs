namespace Osprey.Engine.Serving;

/// <summary>
/// How long each slice of an image encode took the last time: every encode on an engine runs the same
/// slices in the same order (the model fixes the image size and the prefix length), so slice i of the
/// last encode is the best guess for slice i of this one. The guess decides whether a slice still fits
/// the turn lent to it (<see cref="EncodeSlicing"/>); guessing by the slice just run let a 90 ms slice
/// start near a turn's end because the slice before it took 5 ms, and the running conversations waited
/// that overrun on top of their step. Encodes from copied features (no pixels, no vision) are a
/// different sequence and kept apart. Encoder thread only.
/// </summary>
internal sealed class EncodeSliceHistory
{
    private TimeSpan[] _full = [], _copied = [];

    /// <summary>Starts timing one encode's slices; <paramref name="fromCopiedFeatures"/>: its vision slices are skipped.</summary>
    public Encode Begin(bool fromCopiedFeatures) => new(this, fromCopiedFeatures);

    public sealed class Encode(EncodeSliceHistory history, bool copied)
    {
        private readonly TimeSpan[] _previous = copied ? history._copied : history._full;
        private readonly List<TimeSpan> _times = [];

        /// <summary>The next slice's time in the last completed encode of this kind; null before one completed.</summary>
        public TimeSpan? Expected => _times.Count < _previous.Length ? _previous[_times.Count] : null;

        public void Ran(TimeSpan took) => _times.Add(took);

        /// <summary>The encode ran every slice: its times are the guesses for the next one.</summary>
        public void Complete()
        {
            if (copied) history._copied = [.. _times];
            else history._full = [.. _times];
        }
    }
}
