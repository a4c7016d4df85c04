using Osprey.Engine;
using Osprey.Engine.Checkpoints;

namespace Osprey.Cli.Commands;

/// <summary>Which <c>tokenizer.model</c> a new model gets: the one given, else the default model's.</summary>
public static class TokenizerLocation
{
    public static string Resolve(string? explicitPath)
    {
        if (!string.IsNullOrWhiteSpace(explicitPath))
            return File.Exists(explicitPath) ? explicitPath : throw new FileNotFoundException($"tokenizer not found: {explicitPath}", explicitPath);
        var fromDefault = DefaultModel.Locate() is { } dir ? Path.Combine(dir, CheckpointDirectory.TokenizerModelFileName) : null;
        return fromDefault is not null && File.Exists(fromDefault)
            ? fromDefault
            : throw new FileNotFoundException($"no tokenizer given and none found in {DefaultModel.RelativePath}; pass --tokenizer FILE");
    }
}
