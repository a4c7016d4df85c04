using Osprey.Engine.Checkpoints;
using Osprey.Engine.Tokenization;

namespace Osprey.Bench;

/// <summary>Turns the errors a user can fix (a bad option, a missing directory) into one line on stderr and exit code 2.</summary>
public static class CommandErrors
{
    public static int Fail(string message)
    {
        Console.Error.WriteLine($"Osprey.Bench: {message}");
        return 2;
    }

    public static async Task<int> Guard(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (OperationCanceledException)
        {
            return Fail("cancelled");
        }
        catch (Exception e) when (e is CheckpointException or TokenizerLoadException or IOException or UnauthorizedAccessException
                                      or NotSupportedException or ArgumentException)
        {
            return Fail(e.Message);
        }
    }
}
