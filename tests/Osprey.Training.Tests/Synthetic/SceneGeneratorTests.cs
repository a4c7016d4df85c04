using Osprey.Training.Synthetic;

namespace Osprey.Training.Tests.Synthetic;

public class SceneGeneratorTests
{
    private static readonly SceneGenerator Generator = new(new SceneOptions { ImageSize = 96 });

    [Fact]
    public void SameSeedAndIndexGiveIdenticalScenes()
    {
        for (int i = 0; i < 5; i++)
        {
            var a = Generator.Generate(seed: 7, index: i);
            var b = new SceneGenerator(new SceneOptions { ImageSize = 96 }).Generate(seed: 7, index: i);
            Assert.Equal(a.Pixels, b.Pixels);
            Assert.Equal(a.Objects.Count, b.Objects.Count);
            for (int k = 0; k < a.Objects.Count; k++)
            {
                Assert.Equal(a.Objects[k].Mask, b.Objects[k].Mask);
                Assert.Equal(a.Objects[k].ShortDescription, b.Objects[k].ShortDescription);
            }
        }
    }

    [Fact]
    public void DifferentSeedsGiveDifferentScenes()
    {
        var a = Generator.Generate(seed: 7, index: 0);
        var b = Generator.Generate(seed: 8, index: 0);
        var c = Generator.Generate(seed: 7, index: 1);
        Assert.NotEqual(a.Pixels, b.Pixels);
        Assert.NotEqual(a.Pixels, c.Pixels);
    }

    [Fact]
    public void MasksAreExactlyTheVisiblePixelsOfEachObject()
    {
        int occludedScenes = 0;
        for (int i = 0; i < 40; i++)
        {
            var scene = Generator.Generate(seed: 11, index: i);
            int n = scene.Width * scene.Height;
            var owner = new int[n];
            Array.Fill(owner, -1);
            foreach (var obj in scene.Objects)
            {
                Assert.Equal(obj.Mask.Count(v => v == 1), obj.Area);
                Assert.All(obj.Mask, v => Assert.True(v is 0 or 1));
                for (int k = 0; k < n; k++)
                {
                    if (obj.Mask[k] == 0) continue;
                    Assert.Equal(-1, owner[k]); // visible masks never overlap
                    owner[k] = obj.Index;
                }
                if (obj.Parts.Count > 0)
                {
                    // Parts tile the object's visible pixels.
                    Assert.Equal(obj.Area, obj.Parts.Sum(p => p.Area));
                    for (int k = 0; k < n; k++)
                        Assert.Equal(obj.Mask[k], (byte)obj.Parts.Sum(p => p.Mask[k]));
                }
            }

            for (int k = 0; k < n; k++)
            {
                byte r = scene.Pixels[k * 3], g = scene.Pixels[k * 3 + 1], b = scene.Pixels[k * 3 + 2];
                if (owner[k] < 0)
                {
                    // Background: a mid grey, never a palette colour.
                    Assert.InRange(Math.Max(r, Math.Max(g, b)) - Math.Min(r, Math.Min(g, b)), 0, 20);
                    Assert.InRange((int)r, 50, 205);
                }
                else
                {
                    // Object pixel: the colour of the object that owns it (the top-most one).
                    var c = scene.Objects[owner[k]].Colour;
                    Assert.True(ColourMatches(c, r, g, b), $"scene {i} pixel {k} ({r},{g},{b}) is not {c.Name}");
                }
            }

            if (HasOcclusion(scene)) occludedScenes++;
        }
        Assert.True(occludedScenes >= 3, $"only {occludedScenes} of 40 scenes show an occlusion");
    }

    [Fact]
    public void ObjectCountsCoverOneToFour()
    {
        var counts = Enumerable.Range(0, 40).Select(i => Generator.Generate(3, i).Objects.Count).ToHashSet();
        Assert.Equal(new HashSet<int> { 1, 2, 3, 4 }, counts);
    }

    [Fact]
    public void RejectsTooSmallImages()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SceneGenerator(new SceneOptions { ImageSize = 16 }));
    }

    private static bool ColourMatches(NamedColour c, byte r, byte g, byte b)
    {
        bool Near(double shade, int lift) =>
            Math.Abs(r - (c.R * shade + lift)) <= 11 && Math.Abs(g - (c.G * shade + lift)) <= 11 && Math.Abs(b - (c.B * shade + lift)) <= 11;
        return Near(1.0, 0) || Near(0.85, 12);
    }

    private static bool HasOcclusion(SyntheticScene scene)
    {
        for (int i = 0; i < scene.Objects.Count; i++)
        for (int j = i + 1; j < scene.Objects.Count; j++)
            if (Touches(scene.Objects[i].Mask, scene.Objects[j].Mask, scene.Width)) return true;
        return false;
    }

    // An earlier object touches a later one where the later one was drawn over it.
    private static bool Touches(byte[] under, byte[] top, int width)
    {
        for (int k = 0; k < under.Length; k++)
            if (under[k] == 1 && ((k % width + 1 < width && top[k + 1] == 1) || (k + width < top.Length && top[k + width] == 1))) return true;
        return false;
    }

    [Fact]
    public void OverlapShareHidesMoreObjectsAndKeepsEveryLabelTrue()
    {
        static (int Hidden, int Objects) Count(SceneGenerator generator)
        {
            int hidden = 0, objects = 0;
            for (int i = 0; i < 60; i++)
            {
                var scene = generator.Generate(seed: 13, index: i);
                for (int k = 0; k < scene.Objects.Count; k++)
                {
                    var o = scene.Objects[k];
                    Assert.Equal(o.Size, SizeClasses.FromExtent((double)o.Box.Extent / scene.Width));
                    objects++;
                    if (scene.Objects.Skip(k + 1).Any(top => Touches(o.Mask, top.Mask, scene.Width))) hidden++;
                }
            }
            return (hidden, objects);
        }

        var usual = Count(Generator);
        var overlapping = Count(new SceneGenerator(new SceneOptions { ImageSize = 96, OverlapShare = 1 }));
        Assert.True((double)overlapping.Hidden / overlapping.Objects > 1.5 * usual.Hidden / usual.Objects,
            $"hidden objects: {overlapping.Hidden}/{overlapping.Objects} drawn over, {usual.Hidden}/{usual.Objects} anywhere");
        Assert.Throws<ArgumentOutOfRangeException>(() => new SceneGenerator(new SceneOptions { ImageSize = 96, OverlapShare = 1.5 }));
    }
}
