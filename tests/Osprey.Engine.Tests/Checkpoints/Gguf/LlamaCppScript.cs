using System.Diagnostics;
using System.Text.Json;

namespace Osprey.Engine.Tests.Checkpoints.Gguf;

/// <summary>The bench's llama.cpp script (<c>bench/llama_cpp.mjs</c>) and its installed node-llama-cpp, when present.</summary>
public static class LlamaCppScript
{
    public static string? BenchDirectory { get; } = Locate();

    public static string? Missing =>
        BenchDirectory is null ? "bench/ not found above the test binaries"
        : !OnPath("node") ? "node is not installed"
        : !Directory.Exists(Path.Combine(BenchDirectory, "node_modules", "node-llama-cpp")) ? "node-llama-cpp is not installed (npm ci in bench/; .ci/run does it)"
        : null;

    /// <summary>Runs the script and parses the JSON object it prints last.</summary>
    public static JsonElement Run(params string[] arguments)
    {
        var info = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = BenchDirectory! };
        info.ArgumentList.Add(Path.Combine(BenchDirectory!, "llama_cpp.mjs"));
        foreach (var a in arguments) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("llama_cpp.mjs did not finish in 5 minutes");
        }
        Assert.True(process.ExitCode == 0, $"llama_cpp.mjs exited {process.ExitCode}: {stderr.Result}");
        var line = stdout.Result.Split('\n').Last(l => l.StartsWith('{'));
        return JsonDocument.Parse(line).RootElement.Clone();
    }

    private static string? Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "OspreyCluster.sln")))
                return Path.Combine(dir.FullName, "bench");
        return null;
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, tool)));
}

/// <summary>A fact skipped, with the reason, when node or the bench's node-llama-cpp is not installed.</summary>
public sealed class RequiresLlamaCppFactAttribute : FactAttribute
{
    public RequiresLlamaCppFactAttribute()
    {
        if (LlamaCppScript.Missing is { } reason) Skip = reason;
    }
}
