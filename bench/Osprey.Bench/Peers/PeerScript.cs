using System.Diagnostics;
using System.Text.Json;

namespace Osprey.Bench.Peers;

/// <summary>
/// A peer implementation the bench runs as a child process (eager PyTorch, llama.cpp): finding its
/// script in the checkout, running it with a timeout, and reading the one JSON line it prints last.
/// </summary>
public static class PeerScript
{
    /// <summary>The script at <paramref name="relativePath"/> in the repository checkout the program runs from.</summary>
    public static string? Find(string relativePath)
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, relativePath);
                if (File.Exists(candidate)) return candidate;
            }
        return null;
    }

    /// <summary>Exit code (-1 on timeout, after killing the child; -2 when it cannot start) and stdout followed by stderr.</summary>
    public static (int Exit, string Output) Run(string file, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        Process? process;
        try { process = Process.Start(info); }
        catch (System.ComponentModel.Win32Exception e) { return (-2, e.Message); }
        if (process is null) return (-2, $"could not start {file}");
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                return (-1, $"timed out after {timeout.TotalSeconds:F0} s\n{stderr.Result}");
            }
            return (process.ExitCode, stdout.Result + stderr.Result);
        }
    }

    /// <summary>Runs the script and reads the last line of its output that is a JSON object as <typeparamref name="T"/>.</summary>
    public static T RunForResult<T>(string file, IEnumerable<string> arguments, TimeSpan timeout, string what)
    {
        var (exit, output) = Run(file, arguments, timeout);
        if (exit != 0) throw new InvalidOperationException($"{what} failed with exit code {exit}: {Tail(output)}");
        var json = output.Split('\n').LastOrDefault(l => l.TrimStart().StartsWith('{'))
            ?? throw new InvalidOperationException($"{what} printed no result: {Tail(output)}");
        return JsonSerializer.Deserialize<T>(json) ?? throw new InvalidOperationException($"empty result from {what}");
    }

    private static string Tail(string text) => text.Length > 2000 ? text[^2000..] : text;
}
