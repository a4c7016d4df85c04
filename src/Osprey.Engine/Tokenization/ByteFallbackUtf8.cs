using System.Text;

namespace Osprey.Engine.Tokenization;

/// <summary>
/// Turns a run of byte-fallback pieces (<c>&lt;0xNN&gt;</c>) into text exactly as SentencePiece's
/// decoder does: one well-formed UTF-8 character at a time, and every byte that does not start a
/// well-formed character becomes its own U+FFFD. (.NET's decoder replaces maximal ill-formed
/// subsequences instead, which gives fewer U+FFFD than the reference on truncated sequences.)
/// </summary>
public static class ByteFallbackUtf8
{
    public const char Replacement = '\uFFFD';

    /// <summary>What the bytes at the start of a run decode to.</summary>
    public enum Step
    {
        /// <summary>A well-formed character of <c>length</c> bytes.</summary>
        Character,
        /// <summary>The first byte cannot start a well-formed character: it decodes to U+FFFD.</summary>
        Invalid,
        /// <summary>A well-formed start that needs more bytes (only when more may still come).</summary>
        Incomplete,
    }

    /// <summary>Classifies the character at the start of <paramref name="bytes"/>.</summary>
    /// <param name="runComplete">true when no more bytes can follow, so a truncated start is invalid.</param>
    public static Step Next(ReadOnlySpan<byte> bytes, bool runComplete, out int length)
    {
        length = 1;
        var b0 = bytes[0];
        if (b0 < 0x80) return Step.Character;

        int need;
        int minimum;
        int value;
        if ((b0 & 0xE0) == 0xC0) { need = 2; minimum = 0x80; value = b0 & 0x1F; }
        else if ((b0 & 0xF0) == 0xE0) { need = 3; minimum = 0x800; value = b0 & 0x0F; }
        else if ((b0 & 0xF8) == 0xF0) { need = 4; minimum = 0x10000; value = b0 & 0x07; }
        else return Step.Invalid;

        var available = Math.Min(need, bytes.Length);
        for (var i = 1; i < available; i++)
        {
            if ((bytes[i] & 0xC0) != 0x80) return Step.Invalid;
            value = (value << 6) | (bytes[i] & 0x3F);
        }
        if (available < need) return runComplete ? Step.Invalid : Step.Incomplete;
        if (value < minimum || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return Step.Invalid;
        length = need;
        return Step.Character;
    }

    /// <summary>Decodes a complete byte run.</summary>
    public static void AppendRun(StringBuilder text, ReadOnlySpan<byte> run)
    {
        var offset = 0;
        while (offset < run.Length)
        {
            var step = Next(run[offset..], runComplete: true, out var length);
            AppendStep(text, run.Slice(offset, length), step);
            offset += length;
        }
    }

    internal static void AppendStep(StringBuilder text, ReadOnlySpan<byte> bytes, Step step)
    {
        if (step == Step.Character) text.Append(Encoding.UTF8.GetString(bytes));
        else text.Append(Replacement);
    }
}
