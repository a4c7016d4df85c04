using Microsoft.Extensions.Options;
using OspreyCluster.Gateway.Contracts;
using OspreyCluster.Gateway.Hosting;
using OspreyCluster.Gateway.Regions;
using OspreyCluster.Gateway.Requests;
using OspreyCluster.Gateway.Streaming;
using OspreyCluster.Grains.Interfaces;

using OspreyCluster.Gateway.Security;

namespace OspreyCluster.Gateway.Endpoints;

public static class ConversationEndpoints
{
    public static void MapConversationEndpoints(this IEndpointRouteBuilder app, ApiAccess access)
    {
        var conversations = app.MapGroup("/v1/conversations").WithTags("Conversations").Guard(access);

        conversations.MapPost("/", Create)
            .WithBodyLimit(RequestBodyLimit.Json)
            .WithSummary("Start a conversation about regions of an uploaded image")
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(413);

        conversations.MapPost("/{id}/messages", MessageTurn.Run)
            .WithBodyLimit(RequestBodyLimit.Json)
            .CapConcurrentTurns()
            .WithSummary("Ask a question; with Accept: text/event-stream the answer streams as SSE 'token' events then 'done'")
            .Produces<MessageReply>(200, "application/json")
            .Produces(200, contentType: ServerSentEventWriter.MediaType)
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(409).ProducesProblem(413);

        conversations.MapGet("/{id}", Get)
            .WithSummary("A conversation's regions and messages")
            .ProducesProblem(404);

        conversations.MapDelete("/{id}", Delete)
            .WithSummary("Delete a conversation")
            .ProducesProblem(404);
    }

    private static async Task<IResult> Create(CreateConversationBody body, HttpContext context, IGrainFactory grains, IOptions<GatewayOptions> options)
    {
        var imageKey = ResourceIds.ImageKey(context, body.ImageId);
        var info = await grains.GetGrain<IImageGrain>(imageKey).GetInfo();
        var regions = RegionMaskParser.Parse(body.Regions, info, options.Value.MaxRegions);
        var key = ResourceIds.NewConversationKey(imageKey);
        await grains.GetGrain<IRegionConversationGrain>(key).Create(new CreateConversation(imageKey, regions));
        var id = TenantKey.Unscoped(key);
        return TypedResults.Created($"/v1/conversations/{id}", new ConversationCreated(id));
    }

    private static async Task<ConversationReply> Get(string id, HttpContext context, IGrainFactory grains)
    {
        var view = await grains.GetGrain<IRegionConversationGrain>(ResourceIds.ConversationKeyOf(context, id)).Get();
        return new ConversationReply(
            TenantKey.Unscoped(view.Id),
            TenantKey.Unscoped(view.ImageId),
            view.Regions.Select(r => new StoredRegionReply(r.Name, new StoredMask(new StoredRle(r.Size, r.RleCounts)), r.Area)).ToList(),
            view.Messages.Select(m => new MessageView(m.Role, m.Text)).ToList());
    }

    private static async Task<IResult> Delete(string id, HttpContext context, IGrainFactory grains)
    {
        await grains.GetGrain<IRegionConversationGrain>(ResourceIds.ConversationKeyOf(context, id)).Delete();
        return TypedResults.NoContent();
    }
}
