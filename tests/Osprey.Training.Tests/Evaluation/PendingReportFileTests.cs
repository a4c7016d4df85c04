using Osprey.Training.Evaluation;

namespace Osprey.Training.Tests.Evaluation;

public class PendingReportFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("osprey-report-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_committed_report_replaces_the_path_and_leaves_no_partial_file()
    {
        var path = Path.Combine(_dir, "report.json");
        await File.WriteAllTextAsync(path, "old");
        await using (var report = new PendingReportFile(path))
        {
            Assert.Equal("old", await File.ReadAllTextAsync(path));
            await report.CommitAsync("{\"families\": {}}");
        }
        Assert.Equal("{\"families\": {}}", await File.ReadAllTextAsync(path));
        Assert.Equal([path], Directory.GetFiles(_dir));
    }

    [Fact]
    public async Task A_report_never_committed_leaves_an_earlier_report_as_it_was_and_creates_none()
    {
        var earlier = Path.Combine(_dir, "earlier.json");
        await File.WriteAllTextAsync(earlier, "old");
        await using (new PendingReportFile(earlier)) { }
        await using (new PendingReportFile(Path.Combine(_dir, "new.json"))) { }
        Assert.Equal("old", await File.ReadAllTextAsync(earlier));
        Assert.Equal([earlier], Directory.GetFiles(_dir));
    }

    [Fact]
    public void A_path_that_cannot_be_written_fails_at_once()
    {
        Assert.Throws<DirectoryNotFoundException>(() => new PendingReportFile(Path.Combine(_dir, "missing", "report.json")));
    }
}
