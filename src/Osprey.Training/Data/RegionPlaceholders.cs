using System.Text.RegularExpressions;

namespace Osprey.Training.Data;

/// <summary>
/// Region placeholders in conversation text. Osprey-724K writes <c>&lt;region&gt;</c> where the model
/// sees <c>&lt;mask&gt;&lt;pos&gt;</c>; both bind to the record's regions in order of appearance.
/// The <c>&lt;image&gt;</c> marker is dropped because the prompt template places the image itself.
/// </summary>
public static partial class RegionPlaceholders
{
    public const string MaskPos = "<mask><pos>";

    public static string Normalize(string text)
    {
        string withoutImage = ImageMarker().Replace(text, "");
        return RegionMarker().Replace(withoutImage, MaskPos);
    }

    public static int Count(string normalizedText) => Regex.Matches(normalizedText, Regex.Escape(MaskPos)).Count;

    [GeneratedRegex(@"<image>\s*")]
    private static partial Regex ImageMarker();

    [GeneratedRegex("<region>")]
    private static partial Regex RegionMarker();
}
