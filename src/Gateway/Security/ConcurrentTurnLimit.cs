using System.Threading.RateLimiting;
using OspreyCluster.Gateway.Problems;

namespace OspreyCluster.Gateway.Security;

/// <summary>
/// Turns running at once for each tenant (or client address on a keyless gateway), with ASP.NET Core's
/// concurrency limiter: <c>Osprey:ConcurrentTurnsPerKey</c> or <c>OSPREY_CONCURRENT_TURNS_PER_KEY</c>, on the
/// routes that run the model (marked by <see cref="RunsTurns"/>). A streamed turn holds its place until
/// its stream ends. Past it, a 429 with the reason; unset, no cap.
/// </summary>
/// <remarks>
/// A global limiter, because an endpoint takes one rate-limiting policy and the turn routes already sit
/// under the per-minute one; the two are counted separately and both apply.
/// </remarks>
public static class ConcurrentTurnLimit
{
    public static int? AddConcurrentTurnLimit(this WebApplicationBuilder builder)
    {
        if (LimitSetting.Read(builder.Configuration, "ConcurrentTurnsPerKey", "OSPREY_CONCURRENT_TURNS_PER_KEY", "turns") is not { } cap)
            return null;
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                context.GetEndpoint()?.Metadata.GetMetadata<RunsTurns>() is null
                    ? RateLimitPartition.GetNoLimiter("")
                    : RateLimitPartition.GetConcurrencyLimiter(ClientPartition.Of(context), _ => new ConcurrencyLimiterOptions { PermitLimit = cap, QueueLimit = 0 }));
            // Policies refuse with their own OnRejected; this one is the global limiter's.
            limiter.OnRejected = async (rejected, cancellationToken) =>
            {
                var response = rejected.HttpContext.Response;
                response.StatusCode = StatusCodes.Status429TooManyRequests;
                response.Headers.RetryAfter = "1";
                var reason = $"this key already has {cap} turns running, the most it may run at once; retry when one has finished";
                if (rejected.HttpContext.Request.Path.StartsWithSegments("/v1/chat"))
                    await response.WriteAsJsonAsync(new OpenAi.OpenAiError(new OpenAi.OpenAiErrorDetail(reason, "rate_limit_error", null, "concurrent_turns")), cancellationToken);
                else
                    await response.WriteAsJsonAsync(RequestProblem.Create(429, reason), (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json", cancellationToken);
            };
        });
        return cap;
    }

    /// <summary>Marks routes that run turns on the model.</summary>
    public static TBuilder CapConcurrentTurns<TBuilder>(this TBuilder routes) where TBuilder : IEndpointConventionBuilder =>
        routes.WithMetadata(RunsTurns.Instance);
}
