using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using OspreyCluster.Gateway.Contracts;
using OspreyCluster.Gateway.Failover;
using OspreyCluster.Gateway.Hosting;
using OspreyCluster.Gateway.Regions;
using OspreyCluster.Gateway.Requests;
using OspreyCluster.Grains.Images;
using OspreyCluster.Grains.Interfaces;

using OspreyCluster.Gateway.Security;

namespace OspreyCluster.Gateway.Endpoints;

public static class ImageEndpoints
{
    public static void MapImageEndpoints(this IEndpointRouteBuilder app, ApiAccess access)
    {
        var images = app.MapGroup("/v1/images").WithTags("Images").Guard(access);

        images.MapPost("/", Upload)
            .WithBodyLimit(RequestBodyLimit.Image)
            // Declared by a transformer, not Accepts(): Accepts would let routing refuse other types with a bare 415.
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                operation.RequestBody = new OpenApiRequestBody
                {
                    Required = true,
                    Description = "The image file's bytes (PNG, JPEG, ...)",
                    Content = new Dictionary<string, OpenApiMediaType>
                    {
                        ["image/*"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" } },
                    },
                };
                return Task.CompletedTask;
            })
            .WithSummary("Upload an image; its id is the SHA-256 of the bytes")
            .ProducesProblem(400).ProducesProblem(413).ProducesProblem(415);

        images.MapGet("/{id}", Info)
            .WithSummary("An uploaded image's size")
            .ProducesProblem(404);

        images.MapPost("/{id}/describe", Describe)
            .CapConcurrentTurns()
            .WithBodyLimit(RequestBodyLimit.Json)
            .WithSummary("Describe every region of an image, decoded as one batch from the image's shared prefix")
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(413);

        images.MapPost("/{id}/segment", Segment)
            .CapConcurrentTurns()
            .WithBodyLimit(RequestBodyLimit.Json)
            .WithSummary("Masks from clicks and a box (Segment Anything), best score first; each rle is a region mask for /v1/conversations")
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(413).ProducesProblem(501);

        images.MapPost("/{id}/segment-everything", SegmentEverything)
            .CapConcurrentTurns()
            .WithBodyLimit(RequestBodyLimit.Json)
            .WithSummary("Every object's mask (Segment Anything's automatic mask generator), best score first")
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(413).ProducesProblem(501);
    }

    private static async Task<IResult> Upload(HttpRequest request, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var bytes = await ImageBody.ReadAsync(request, cancellationToken);
        var id = ImageId.Of(bytes);
        var info = await grains.GetGrain<IImageGrain>(ResourceIds.ImageKey(request.HttpContext, id)).Upload(bytes);
        return TypedResults.Created($"/v1/images/{id}", new ImageCreated(id, info.Width, info.Height));
    }

    private static async Task<ImageCreated> Info(string id, HttpContext context, IGrainFactory grains)
    {
        var info = await grains.GetGrain<IImageGrain>(ResourceIds.ImageKey(context, id)).GetInfo();
        return new ImageCreated(id, info.Width, info.Height);
    }

    private static async Task<SegmentReply> Segment(string id, SegmentBody body, HttpContext context, IGrainFactory grains)
    {
        var request = new SegmentRequest(SegmentPrompt.Points(body.Points), body.Box, body.Multimask ?? false);
        var masks = await grains.GetGrain<IImageGrain>(ResourceIds.ImageKey(context, id)).Segment(request);
        return Reply(masks);
    }

    private static async Task<SegmentReply> SegmentEverything(string id, SegmentEverythingBody? body, HttpContext context, IGrainFactory grains)
    {
        var request = new SegmentEverythingRequest(body?.PointsPerSide, body?.PredIouThresh, body?.StabilityScoreThresh, body?.BoxNmsThresh, body?.MinMaskRegionArea);
        var masks = await grains.GetGrain<IImageGrain>(ResourceIds.ImageKey(context, id)).SegmentEverything(request);
        return Reply(masks);
    }

    private static SegmentReply Reply(IReadOnlyList<SegmentedMask> masks) =>
        new([.. masks.Select(m => new SegmentedMaskReply(new RleReply([m.Height, m.Width], m.Counts), m.Score, m.Area))]);

    private static async Task<DescribeReply> Describe(string id, DescribeBody body, HttpContext context, IGrainFactory grains,
        IOptions<GatewayOptions> options, SiloDeathWatch watch)
    {
        var limits = options.Value;
        var style = TurnValidation.Style(body.Style);
        var maxNewTokens = TurnValidation.MaxNewTokens(body.MaxNewTokens, limits.MaxNewTokensLimit);
        var key = ResourceIds.ImageKey(context, id);
        var image = grains.GetGrain<IImageGrain>(key);
        var info = await image.GetInfo();
        var regions = RegionMaskParser.Parse(body.Regions, info, limits.MaxRegions);
        // The descriptions are computed where the image lives: should that silo die, the call ends then.
        var silo = await grains.GetGrain<IImageHost>(key).Silo();
        var descriptions = await watch.Awaiting(silo, image.Describe(new DescribeRequest(regions, style, maxNewTokens)));
        return new DescribeReply(id, descriptions.Select(d => new RegionDescriptionReply(d.Name, d.Text, d.GeneratedTokens)).ToList());
    }
}
