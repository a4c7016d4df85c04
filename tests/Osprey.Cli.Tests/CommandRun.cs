using System.CommandLine;

namespace Osprey.Cli.Tests;

/// <summary>Runs one command in process, as <c>osprey</c> would, and captures its exit code and stderr.</summary>
public static class CommandRun
{
    public static async Task<(int ExitCode, string Errors)> Invoke(Command command, params string[] args)
    {
        var root = new RootCommand { command };
        var saved = Console.Error;
        var errors = new StringWriter();
        Console.SetError(errors);
        try
        {
            var code = await root.Parse([command.Name, .. args]).InvokeAsync();
            return (code, errors.ToString());
        }
        finally
        {
            Console.SetError(saved);
        }
    }
}
