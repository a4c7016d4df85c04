namespace Osprey.Training.Synthetic;

/// <summary>
/// A saturated (or clearly white/black) colour with one unambiguous name. Backgrounds are drawn in
/// low-saturation mid greys so no palette colour can be confused with the background.
/// </summary>
public sealed record NamedColour(string Name, byte R, byte G, byte B)
{
    public static NamedColour Red { get; } = new("red", 220, 30, 30);
    public static NamedColour Green { get; } = new("green", 30, 170, 50);
    public static NamedColour Blue { get; } = new("blue", 30, 70, 225);
    public static NamedColour Yellow { get; } = new("yellow", 245, 220, 30);
    public static NamedColour Orange { get; } = new("orange", 245, 135, 15);
    public static NamedColour Purple { get; } = new("purple", 140, 40, 190);
    public static NamedColour White { get; } = new("white", 245, 245, 245);
    public static NamedColour Black { get; } = new("black", 15, 15, 15);

    public static IReadOnlyList<NamedColour> Palette { get; } = [Red, Green, Blue, Yellow, Orange, Purple, White, Black];

    /// <summary>Where this colour stands in <see cref="Palette"/> (class index for heads, word index for leanings).</summary>
    public int PaletteIndex
    {
        get
        {
            for (int i = 0; i < Palette.Count; i++)
                if (Palette[i] == this) return i;
            throw new ArgumentException($"colour '{Name}' is not in the palette");
        }
    }

    public static NamedColour Parse(string name) =>
        Palette.FirstOrDefault(c => c.Name == name.Trim().ToLowerInvariant())
        ?? throw new ArgumentException($"Unknown colour '{name}'.", nameof(name));

    /// <summary>Neighbouring hues; used to mine hard negatives for yes/no colour questions.</summary>
    public IReadOnlyList<NamedColour> LookAlikes() => Name switch
    {
        "red" => [Orange, Purple],
        "green" => [Blue, Yellow],
        "blue" => [Purple, Green],
        "yellow" => [Orange, White],
        "orange" => [Red, Yellow],
        "purple" => [Blue, Red],
        "white" => [Yellow, Black],
        _ => [Purple, White],
    };
}
