using Osprey.Engine.Checkpoints;
using Osprey.Engine.Layers;
using Osprey.Engine.Segmentation;
using Osprey.Training.Segmentation;
using Osprey.Training.Synthetic;

namespace Osprey.Training.Tests.Segmentation;

/// <summary>
/// The SAM trainer on a model small enough for a test: every parameter initialised, a few real steps
/// that lower the loss, the saved directory loading back through <see cref="SamCheckpoint"/>, and the
/// held-out evaluation giving IoUs in [0, 1].
/// </summary>
public sealed class SamTrainingTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"sam-train-{Guid.NewGuid():N}");

    private static SamConfig Tiny => SmallSam.Config(imageSize: 64, patchSize: 8, embedDim: 32, depth: 2, heads: 2, window: 4, promptDim: 32);

    [Fact]
    public void A_few_steps_lower_the_loss_and_the_model_round_trips()
    {
        var scenes = new SceneGenerator(new SceneOptions { ImageSize = 64, MaxObjects = 2 });
        using var model = new SamModel(Tiny, ParameterAllocation.CpuFloat32);
        SamParameterInitializer.Initialize(model, seed: 5);
        var losses = new List<double>();
        new SamTrainer(model, new SamTrainingOptions { Steps = 30, ScenesPerStep = 2, WarmupSteps = 5, LogEvery = 10, LearningRate = 2e-3 }, scenes)
            .Train(p => losses.Add(p.Loss));
        Assert.Equal(3, losses.Count);
        Assert.All(losses, l => Assert.True(double.IsFinite(l)));
        Assert.True(losses[^1] < losses[0], $"the loss should fall over 30 steps: {string.Join(", ", losses)}");

        CheckpointSaver.Save(model, _dir, CheckpointNameMap.Identity, new CheckpointSaveOptions { Overwrite = true });
        File.WriteAllText(Path.Combine(_dir, SamCheckpoint.ConfigFileName), model.Config.ToJson());
        using var loaded = SamCheckpoint.Load(_dir);
        Assert.Equal(model.Config.ToJson(), loaded.Config.ToJson());
        var result = SamHeldOutEvaluation.Run(new SamPredictor(loaded), scenes, seed: 77, count: 2);
        Assert.True(result.Objects > 0);
        Assert.InRange(result.ClickIou, 0, 1);
        Assert.InRange(result.CentreClickIou, 0, 1);
        Assert.InRange(result.BoxIou, 0, 1);
    }

    [Fact]
    public void Clicks_and_boxes_come_from_the_visible_mask()
    {
        var scene = new SceneGenerator(new SceneOptions { ImageSize = 64 }).Generate(3, 0);
        var rng = new SeededRandom(9);
        foreach (var obj in scene.Objects)
        {
            var click = SceneClicks.Inside(obj.Mask, scene.Width, rng);
            Assert.Equal(1, obj.Mask[(int)click.Y * scene.Width + (int)click.X]);
            Assert.Equal(1, click.Label);
            var box = SceneClicks.Box(obj.Mask, scene.Width, scene.Height, jitter: 0, rng);
            Assert.Equal((obj.Box.X, obj.Box.Y, obj.Box.X + obj.Box.Width, obj.Box.Y + obj.Box.Height), ((int)box.X0, (int)box.Y0, (int)box.X1, (int)box.Y1));
            if (SceneClicks.Near(obj.Mask, scene.Width, scene.Height, 8, rng) is { } near)
            {
                Assert.Equal(0, obj.Mask[(int)near.Y * scene.Width + (int)near.X]);
                Assert.Equal(0, near.Label);
            }
        }
    }

    [Fact]
    public void The_centre_click_is_the_pixel_farthest_from_the_outside()
    {
        const int size = 20;
        byte[] Mask(Func<int, int, bool> inside)
        {
            var mask = new byte[size * size];
            for (var y = 0; y < size; y++)
            for (var x = 0; x < size; x++)
                mask[y * size + x] = inside(x, y) ? (byte)1 : (byte)0;
            return mask;
        }

        // A 7×7 square: its middle pixel.
        var square = SceneClicks.Centre(Mask((x, y) => x is >= 3 and <= 9 && y is >= 10 and <= 16), size, size);
        Assert.Equal((6.0, 13.0, 1), (square.X, square.Y, square.Label));

        // The image's border is outside: a band along the left edge is clicked in its middle column, not at x = 0.
        var band = SceneClicks.Centre(Mask((x, _) => x < 5), size, size);
        Assert.Equal(2.0, band.X);

        // A ring: a pixel of the ring itself, never its hole, even though the hole is its middle.
        var ringMask = Mask((x, y) => (x - 10) * (x - 10) + (y - 10) * (y - 10) is >= 16 and <= 64);
        var ring = SceneClicks.Centre(ringMask, size, size);
        Assert.Equal(1, ringMask[(int)ring.Y * size + (int)ring.X]);

        // An L-shape: the point lies in its wider arm.
        var ell = SceneClicks.Centre(Mask((x, y) => (x is >= 2 and <= 4 && y is >= 2 and <= 17) || (x is >= 2 and <= 17 && y is >= 10 and <= 17)), size, size);
        Assert.InRange(ell.Y, 11, 16);
        Assert.InRange(ell.X, 5, 14);

        Assert.Throws<ArgumentException>(() => SceneClicks.Centre(new byte[size * size], size, size));
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }
}
