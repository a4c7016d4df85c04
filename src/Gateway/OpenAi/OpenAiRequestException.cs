namespace OspreyCluster.Gateway.OpenAi;

/// <summary>A refusal in OpenAI's terms: the status, the message, the request field at fault and a code.</summary>
public sealed class OpenAiRequestException(int status, string message, string? param = null, string? code = null) : Exception(message)
{
    public int Status { get; } = status;
    public string? Param { get; } = param;
    public string? Code { get; } = code;
}
