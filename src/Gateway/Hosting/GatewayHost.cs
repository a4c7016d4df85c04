using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using OspreyCluster.Gateway.Dashboard;
using OspreyCluster.Gateway.Endpoints;
using OspreyCluster.Gateway.Failover;
using OspreyCluster.Gateway.Metrics;
using OspreyCluster.Gateway.OpenAi;
using OspreyCluster.Gateway.Problems;
using OspreyCluster.Gateway.Requests;
using OspreyCluster.Gateway.Security;
using OspreyCluster.Grains.Hosting;
using Scalar.AspNetCore;

namespace OspreyCluster.Gateway.Hosting;

/// <summary>Builds the gateway application; <c>Program</c> runs it and the tests start it on an ephemeral port.</summary>
public static class GatewayHost
{
    public const string DefaultUrl = "http://127.0.0.1:5000";

    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            // The web app's files are copied next to the program (Gateway.csproj), so the page is served
            // whatever the working directory: `dotnet run --project src/Gateway`, the tests, the container.
            WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot"),
        });

        // Loopback only unless told otherwise (--urls / ASPNETCORE_URLS): the embedded default is a local tool.
        if (string.IsNullOrWhiteSpace(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
            builder.WebHost.UseUrls(DefaultUrl);

        var section = builder.Configuration.GetSection(GatewayOptions.Section);
        builder.Services.Configure<GatewayOptions>(section);
        var limits = section.Get<GatewayOptions>() ?? new GatewayOptions();

        // Kestrel enforces the largest limit; each endpoint then narrows it (RequestBodyLimit).
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Limits.MaxRequestBodySize = new[] { RequestBodyLimit.Image, RequestBodyLimit.Json, RequestBodyLimit.ChatCompletion }.Max(l => l.Select(limits)));

        // Bad JSON must reach the problem-details handler as an exception carrying the parser's reason.
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.AllowTrailingCommas = false;
            json.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict;
        });

        builder.Services.AddProblemDetails(problems => problems.CustomizeProblemDetails = ProblemReason.Ensure);
        builder.Services.AddExceptionHandler<RequestProblemHandler>();
        builder.Services.AddOpenApi(document => document.AddOperationTransformer<DocumentedFailures>());
        var cluster = builder.AddOspreyCluster(OspreyHostRoles.Gateway);
        builder.Services.AddSingleton(cluster);
        // After the cluster client: it starts once the client has connected (and so read the membership table once).
        builder.Services.AddSingleton<SiloDeathWatch>();
        builder.Services.AddHostedService(services => services.GetRequiredService<SiloDeathWatch>());
        builder.AddOspreyMetrics();
        var keys = builder.AddApiKeys();
        var rateLimit = builder.AddRequestRateLimit();
        var turnCap = builder.AddConcurrentTurnLimit();

        var app = builder.Build();

        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<RequestCountingMiddleware>();
        // The region-chat web app at / (wwwroot/index.html and its ES modules): plain files, no build step.
        app.UseDefaultFiles();
        app.UseStaticFiles(new StaticFileOptions
        {
            // Always revalidated, so a person who updates the gateway never runs yesterday's modules.
            OnPrepareResponse = file => file.Context.Response.Headers.CacheControl = "no-cache",
        });
        app.UseRouting();
        app.UseMiddleware<RequestBodyLimitMiddleware>();
        app.UseAuthentication();
        app.UseAuthorization();
        if (rateLimit is not null || turnCap is not null) app.UseRateLimiter();

        app.MapOpenApi();
        app.MapScalarApiReference();
        var access = new ApiAccess(keys, rateLimit);
        app.MapImageEndpoints(access);
        app.MapConversationEndpoints(access);
        app.MapOperationsEndpoints();
        var operationsOpen = app.Services.GetRequiredService<IOptions<GatewayOptions>>().Value.OpenMetrics;
        app.MapMetrics(keys, operationsOpen);
        if (cluster.Options.Dashboard) app.MapDashboard(keys, operationsOpen);
        app.MapOpenAiEndpoints(access);
        app.WarnIfOpenBeyondLoopback(keys);
        return app;
    }
}
