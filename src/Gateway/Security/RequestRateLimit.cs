using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using OspreyCluster.Gateway.Hosting;
using OspreyCluster.Gateway.Problems;

namespace OspreyCluster.Gateway.Security;

/// <summary>
/// Requests per minute for each tenant (or each client address on a keyless gateway), with ASP.NET
/// Core's rate limiter: <c>Osprey:RateLimitPerMinute</c> or <c>OSPREY_RATE_LIMIT_PER_MINUTE</c>. Past it, a
/// 429 with <c>Retry-After</c> and the reason; unset, no limit.
/// </summary>
public static class RequestRateLimit
{
    public const string Policy = "per-tenant";

    public static int? AddRequestRateLimit(this WebApplicationBuilder builder)
    {
        if (LimitSetting.Read(builder.Configuration, "RateLimitPerMinute", "OSPREY_RATE_LIMIT_PER_MINUTE", "requests per minute") is not { } perMinute)
            return null;
        builder.Services.AddRateLimiter(limiter => limiter.AddPolicy(Policy, new PerMinutePolicy(perMinute)));
        return perMinute;
    }

    /// <summary>Puts the routes under the limit when one is configured.</summary>
    public static TBuilder LimitRate<TBuilder>(this TBuilder routes, int? perMinute) where TBuilder : IEndpointConventionBuilder =>
        perMinute is null ? routes : routes.RequireRateLimiting(Policy);

    /// <summary>A fixed one-minute window per client; its own refusal, so the concurrent-turn cap keeps its own.</summary>
    private sealed class PerMinutePolicy(int perMinute) : IRateLimiterPolicy<string>
    {
        public RateLimitPartition<string> GetPartition(HttpContext httpContext) =>
            RateLimitPartition.GetFixedWindowLimiter(ClientPartition.Of(httpContext), _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = perMinute,
                Window = TimeSpan.FromMinutes(1),
                QueueLimit = 0,
            });

        public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => async (rejected, cancellationToken) =>
        {
            var response = rejected.HttpContext.Response;
            response.StatusCode = StatusCodes.Status429TooManyRequests;
            var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
            response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            await response.WriteAsJsonAsync(RequestProblem.Create(429, $"more than {perMinute} requests a minute for this key; retry after {response.Headers.RetryAfter} s"),
                (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json", cancellationToken);
        };
    }
}
