using Microsoft.Extensions.Configuration;

namespace OspreyCluster.Grains.Hosting;

/// <summary>
/// Everything a silo or gateway host needs to join the cluster and serve the model: section "Osprey"
/// (<c>Osprey:Redis</c>, the model and its engine) with the cluster's identity and ports from section
/// "Orleans". Bound once, by <see cref="From"/>, in <see cref="OspreyHost"/>.
/// </summary>
public sealed class OspreyClusterOptions
{
    public const string Section = "Osprey";
    public const string OrleansSection = "Orleans";

    /// <summary>
    /// StackExchange.Redis connection string: Redis clustering and grain storage. Unset: a single-machine
    /// cluster (localhost clustering, in-memory storage), which a gateway hosts in its own process.
    /// </summary>
    public string? Redis { get; set; }

    /// <summary>Model directory; empty means the default model shipped in the repository.</summary>
    public string? ModelDirectory { get; set; }
    /// <summary>
    /// Segment Anything model (a directory holding sam_vit_{b,l,h}_*.pth, optionally with config.json);
    /// empty means models/sam-default when it exists (or OSPREY_SAM_DIR), else no segmentation (501).
    /// </summary>
    public string? SamModelDirectory { get; set; }
    /// <summary>"auto" (bf16 where the device computes it in hardware, else fp32) | "fp32" | "bf16" | "fp16".</summary>
    public string DType { get; set; } = Osprey.Engine.Devices.DTypeName.Auto;
    /// <summary>"cpu" | "cuda" | "cuda:N".</summary>
    public string Device { get; set; } = "cpu";
    /// <summary>Budget for resident image features and KV caches on this silo, in bytes.</summary>
    public long MemoryBudgetBytes { get; set; } = 4L * 1024 * 1024 * 1024;
    /// <summary>Most sequences one engine step batches together.</summary>
    public int MaxBatchSize { get; set; } = 16;
    /// <summary>
    /// Most positions one engine step carries (decodes plus prompt chunks): a long prompt is prefilled
    /// over several steps rather than stalling the running conversations; must exceed MaxBatchSize.
    /// </summary>
    public int MaxBatchedTokens { get; set; } = 512;
    /// <summary>
    /// Most sequences waiting for a batch slot on this silo; past it a turn is refused at once with 503
    /// and Retry-After rather than queued without bound.
    /// </summary>
    public int MaxWaitingSequences { get; set; } = 64;
    /// <summary>libtorch threads of this silo's image encoder; unset: libtorch's default (the bench measures both).</summary>
    public int? EncodeThreads { get; set; }
    /// <summary>
    /// While turns run, an image encode advances between engine steps in slices, for about this many
    /// times a typical step (so a running conversation's gap between tokens stays about two steps);
    /// unset (empty): the encode runs beside the steps, sharing the cores at once. The default is the engine's.
    /// </summary>
    public double? EncodeTurnPerStep { get; set; } = new Osprey.Engine.Serving.ServingOptions().EncodeTurnPerStep;
    /// <summary>
    /// While turns decode, a step carries only as many prompt positions as keep it within about this
    /// many times the decode step of the batch once the joining turns decode too, so a joining turn
    /// does not stall the running ones; unset (empty):
    /// the token budget alone bounds a step.
    /// </summary>
    public double? DecodeStepStretch { get; set; } = 1.5;
    /// <summary>
    /// Before the silo joins the cluster, its engine runs a short region chat about a made-up picture,
    /// so the first user's answer does not pay for the process's first calls. Off: a faster start.
    /// </summary>
    public bool WarmUp { get; set; } = true;
    /// <summary>
    /// Longest a turn may run on the engine (waiting included); past it the turn is cancelled, its slot
    /// freed, nothing of it stored, and the caller gets a 504.
    /// </summary>
    public TimeSpan TurnDeadline { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Most silos besides its home that hold a replica of one image's features (copied from the home, not
    /// encoded again), so a hot image's conversations spread over them; 0 keeps every conversation beside its image.
    /// </summary>
    public int MaxImageReplicas { get; set; } = 16;
    /// <summary>
    /// A new conversation goes to a new replica of its image when the home and every replica hold more than
    /// this many times the cluster's mean conversations a silo (and more than <see cref="ImageSpreadMinConversations"/>).
    /// </summary>
    public double ImageSpreadLoadFactor { get; set; } = 1.1;
    /// <summary>Conversations a silo holds before its images spread at all: a lightly loaded cluster keeps every conversation beside its image.</summary>
    public int ImageSpreadMinConversations { get; set; } = 8;
    /// <summary>How often each silo reports its demand to the cluster's load board, and how stale a placement's view of it may be.</summary>
    public TimeSpan LoadReportInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a silo waits for another's answer to a membership probe. With
    /// <see cref="MissedProbesLimit"/> it sets how soon a silo killed outright is declared dead and its
    /// grains' calls fail over: about ProbeTimeout × MissedProbesLimit (Orleans' defaults, 5 s × 3, here).
    /// </summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(5);
    /// <summary>Probes in a row a silo may miss before the silos watching it vote it dead.</summary>
    public int MissedProbesLimit { get; set; } = 3;
    /// <summary>
    /// Longest a grain call may wait for its answer (Orleans' messaging response timeout); a streamed turn
    /// waits this long for each next part of its answer, not for the whole answer. A call to a silo that
    /// died ends earlier, when membership declares it dead; this is the last resort.
    /// </summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>
    /// Longest a host takes to stop on SIGTERM: a silo lets its running turns finish and deactivates its
    /// grains (their next call activates them on another silo); a gateway finishes its open streams.
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A silo process (one without the gateway, whose /metrics already has them) serves its engine's
    /// metrics in Prometheus' format at http://<see cref="MetricsHost"/>:MetricsPort/metrics when set.
    /// </summary>
    public int? MetricsPort { get; set; }
    /// <summary>The host name or address the silo's metrics listener answers on; "*" for every address (containers).</summary>
    public string MetricsHost { get; set; } = "localhost";

    /// <summary>
    /// Hosts the Orleans dashboard's grains and call statistics on this silo (the gateway's /dashboard reads
    /// them); a gateway serves /dashboard only with it on. The benchmark's simulation turns it off: its many silos share one process, where each silo's
    /// statistics reader observes every silo's instruments every second.
    /// </summary>
    public bool Dashboard { get; set; } = true;

    /// <summary>The cluster's identity and this host's endpoints (section "Orleans").</summary>
    public OrleansEndpoints Orleans { get; set; } = new();

    public bool HasRedis => !string.IsNullOrWhiteSpace(Redis);

    public static OspreyClusterOptions From(IConfiguration configuration)
    {
        var options = configuration.GetSection(Section).Get<OspreyClusterOptions>() ?? new OspreyClusterOptions();
        options.Orleans = configuration.GetSection(OrleansSection).Get<OrleansEndpoints>() ?? new OrleansEndpoints();
        return options;
    }

    /// <summary><see cref="SamModelDirectory"/>, else OSPREY_SAM_DIR, else the repository's default SAM if present, else null.</summary>
    public string? ResolveSamModelDirectory() =>
        !string.IsNullOrWhiteSpace(SamModelDirectory) || !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(Osprey.Engine.Segmentation.DefaultSam.EnvironmentVariable))
            ? Osprey.Engine.Segmentation.DefaultSam.Resolve(SamModelDirectory)
            : Osprey.Engine.Segmentation.DefaultSam.Locate();

    /// <summary>
    /// <see cref="ModelDirectory"/>, else OSPREY_MODEL_DIR, else the repository's default model; a
    /// <see cref="DirectoryNotFoundException"/> saying what to configure when none exists.
    /// </summary>
    public string ResolveModelDirectory()
    {
        var directory = Osprey.Engine.DefaultModel.Resolve(ModelDirectory);
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException(
                $"model directory '{directory}' does not exist (set Osprey:ModelDirectory or {Osprey.Engine.DefaultModel.EnvironmentVariable}, or add {Osprey.Engine.DefaultModel.RelativePath})");
        return directory;
    }
}
