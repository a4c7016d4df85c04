using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using OspreyCluster.Gateway.Hosting;
using OspreyCluster.Gateway.Problems;
using OspreyCluster.Gateway.Requests;

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
        var configured = builder.Configuration[$"{GatewayOptions.Section}:RateLimitPerMinute"] ?? builder.Configuration["OSPREY_RATE_LIMIT_PER_MINUTE"];
        if (string.IsNullOrWhiteSpace(configured)) return null;
        if (!int.TryParse(configured, NumberStyles.None, CultureInfo.InvariantCulture, out var perMinute) || perMinute < 1)
            throw new FormatException($"the rate limit must be a whole number of requests per minute ≥ 1, got '{configured}'");
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(Policy, context => RateLimitPartition.GetFixedWindowLimiter(PartitionOf(context), _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = perMinute,
                Window = TimeSpan.FromMinutes(1),
                QueueLimit = 0,
            }));
            limiter.OnRejected = async (rejected, cancellationToken) =>
            {
                var response = rejected.HttpContext.Response;
                response.StatusCode = StatusCodes.Status429TooManyRequests;
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
                response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                await response.WriteAsJsonAsync(RequestProblem.Create(429, $"more than {perMinute} requests a minute for this key; retry after {response.Headers.RetryAfter} s"),
                    (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json", cancellationToken);
            };
        });
        return perMinute;
    }

    /// <summary>Puts the routes under the limit when one is configured.</summary>
    public static TBuilder LimitRate<TBuilder>(this TBuilder routes, int? perMinute) where TBuilder : IEndpointConventionBuilder =>
        perMinute is null ? routes : routes.RequireRateLimiting(Policy);

    private static string PartitionOf(HttpContext context) =>
        ResourceIds.TenantOf(context) is { Length: > 0 } tenant ? $"tenant:{tenant}" : $"address:{context.Connection.RemoteIpAddress}";
}
