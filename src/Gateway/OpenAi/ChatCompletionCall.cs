using OspreyCluster.Gateway.Contracts;
using OspreyCluster.Grains.Interfaces;

namespace OspreyCluster.Gateway.OpenAi;

/// <summary>
/// A chat completion request as the cluster takes it: the conversation's one image, its regions (given,
/// or the image's alpha channel when none are), the completed exchanges and the question.
/// </summary>
public sealed record ChatCompletionCall(
    string? Model,
    byte[] Image,
    RegionBody[]? Regions,
    IReadOnlyList<CompletedExchange> History,
    TurnRequest Question,
    bool Stream,
    bool IncludeUsage);
