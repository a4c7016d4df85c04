using Osprey.Engine.Checkpoints;
using Osprey.Engine.Generation;
using Osprey.Engine.Imaging;
using Osprey.Engine.Language;
using Osprey.Engine.Multimodal;
using Osprey.Engine.Prompting;
using Osprey.Engine.Regions;
using Osprey.Engine.Segmentation;
using Osprey.Engine.Tokenization;

namespace Osprey.Cli.Commands;

/// <summary>Turns the typed errors a user can fix into one line on stderr and exit code 2, not a stack trace.</summary>
public static class CliErrors
{
    public static int Fail(string message)
    {
        Console.Error.WriteLine($"osprey: {message}");
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
        catch (Exception e) when (e is ImageDecodeException or RegionException or CheckpointException or TokenizerLoadException
                                      or PromptRegionException or SamPromptException or RegionCountMismatchException or PromptTooLongException
                                      or ContextLengthExceededException or InvalidSamplingParamsException
                                      or IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            return Fail(e.Message);
        }
    }
}
