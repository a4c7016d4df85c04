using Osprey.Engine.Imaging;
using Osprey.Training.Data;
using Osprey.Training.Synthetic;
using Osprey.Training.Synthetic.QuestionFamilies;

namespace Osprey.Training.Tests.Data;

public sealed class SyntheticRoundTripTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("osprey-synthetic-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void SyntheticDatasetSurvivesJsonRoundTrip()
    {
        var samples = new SyntheticDatasetBuilder(new SceneOptions { ImageSize = 64 }).Build(seed: 31, sampleCount: 40);
        string json = SyntheticDatasetWriter.Write(samples, _dir);
        var records = new RegionDatasetLoader().Load(json);

        Assert.Equal(samples.Count, records.Count);
        var decoder = new ImageDecoder();
        for (int i = 0; i < samples.Count; i++)
        {
            var (sample, record) = (samples[i], records[i]);
            Assert.Equal(sample.Family, record.Family);
            Assert.Equal(sample.Conversation, record.Conversations);
            Assert.Equal(sample.Regions.Count, record.Regions.Count);
            for (int r = 0; r < sample.Regions.Count; r++)
                Assert.Equal(sample.Scene.MaskOf(sample.Regions[r]), RegionMaskCodec.ToBinary(record.Regions[r]));
            var image = record.LoadImage(decoder);
            Assert.Equal(sample.Scene.Pixels, image.Pixels);
        }
        // One PNG per scene, shared by that scene's samples.
        Assert.Equal(samples.Select(s => s.Scene.Index).Distinct().Count(), Directory.GetFiles(Path.Combine(_dir, "images")).Length);
    }
}
