using System.Diagnostics;
using System.Text.Json;

namespace Osprey.Bench.Peers;

/// <summary>
/// llama.cpp kept running beside the engine (<c>bench/llama_cpp.mjs --mode session</c>): one sequence
/// prefilled once, then batch-1 decode steps timed on request. On a shared machine whose memory
/// bandwidth moves from minute to minute, only steps timed in alternation with the engine's compare the
/// two decoders rather than the two minutes they ran in.
/// </summary>
public sealed class LlamaCppSession : IDisposable
{
    private readonly Process _process;
    private readonly TimeSpan _timeout;
    private LlamaCppSession(Process process, TimeSpan timeout)
    {
        _process = process;
        _timeout = timeout;
    }

    /// <summary>
    /// Starts the script on <paramref name="gguf"/> and returns once its prompt of <paramref name="prefillTokens"/>
    /// is prefilled.
    /// </summary>
    public static LlamaCppSession Start(string node, string script, string gguf, int prefillTokens, int threads, long seed, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(node)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var argument in new[] { script, "--mode", "session", "--model", gguf, "--prefill", prefillTokens.ToString(),
                     "--threads", threads.ToString(), "--seed", seed.ToString() })
            info.ArgumentList.Add(argument);
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {node}");
        // stderr is drained as it comes so a chatty child never blocks on a full pipe.
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        var session = new LlamaCppSession(process, timeout);
        try
        {
            var ready = session.ReadObject();
            if (!ready.TryGetProperty("ready", out _)) throw new InvalidOperationException($"llama_cpp.mjs session did not start: {ready}");
            return session;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Median time of one decode step over <paramref name="steps"/> steps (after one untimed step).</summary>
    public double DecodeStepMs(int steps)
    {
        var reply = Ask(JsonSerializer.Serialize(new { decode_steps = steps }));
        if (reply.TryGetProperty("decode_step_ms", out var ms)) return ms.GetDouble();
        throw new InvalidOperationException($"llama_cpp.mjs session refused {steps} steps: {reply}");
    }

    /// <summary>Sends one request line and returns the session's answer (a refusal is an <c>error</c> answer, and the session goes on).</summary>
    internal JsonElement Ask(string line)
    {
        _process.StandardInput.WriteLine(line);
        _process.StandardInput.Flush();
        return ReadObject();
    }

    private JsonElement ReadObject()
    {
        var deadline = DateTime.UtcNow + _timeout;
        while (true)
        {
            var pending = _process.StandardOutput.ReadLineAsync();
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !pending.Wait(left))
                throw new InvalidOperationException($"llama_cpp.mjs session gave no answer in {_timeout.TotalSeconds:F0} s");
            var line = pending.Result ?? throw new InvalidOperationException($"llama_cpp.mjs session ended (exit code {ExitCode()})");
            if (line.TrimStart().StartsWith('{')) return JsonDocument.Parse(line).RootElement.Clone();
        }
    }

    private string ExitCode() => _process.WaitForExit(TimeSpan.FromSeconds(5)) ? _process.ExitCode.ToString() : "none yet";

    public void Dispose()
    {
        try
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(TimeSpan.FromSeconds(30))) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
    }
}
