namespace Osprey.Engine.Generation;

/// <summary>A sampling parameter is outside its valid range.</summary>
public sealed class InvalidSamplingParamsException : ArgumentException
{
    public InvalidSamplingParamsException(string parameter, string message) : base(message, parameter)
    {
    }
}
