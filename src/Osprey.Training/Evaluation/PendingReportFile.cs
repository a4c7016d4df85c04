namespace Osprey.Training.Evaluation;

/// <summary>
/// A report written beside its path and moved there only once it is complete: the file is created at
/// once, so a path that cannot be written fails before a long evaluation, yet an evaluation that fails
/// later leaves neither an empty report nor a partial one, and an earlier report at the path stays as it was.
/// </summary>
public sealed class PendingReportFile : IAsyncDisposable
{
    private readonly string _path;
    private readonly string _partialPath;
    private StreamWriter? _writer;

    public PendingReportFile(string path)
    {
        _path = path;
        _partialPath = path + ".partial";
        _writer = new StreamWriter(_partialPath);
    }

    /// <summary>Writes the whole report and moves it to its path.</summary>
    public async Task CommitAsync(string text)
    {
        var writer = _writer ?? throw new InvalidOperationException("the report was already committed");
        await writer.WriteAsync(text);
        await writer.DisposeAsync();
        _writer = null;
        File.Move(_partialPath, _path, overwrite: true);
    }

    public async ValueTask DisposeAsync()
    {
        if (_writer is null) return;
        await _writer.DisposeAsync();
        _writer = null;
        File.Delete(_partialPath);
    }
}
