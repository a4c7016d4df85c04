using System.Text.Json;
using System.Text.Json.Serialization;

namespace Osprey.Training.Training;

/// <summary>What a resumable checkpoint records besides weights and optimizer moments (<c>trainer_state.json</c>).</summary>
public sealed record TrainerState(
    [property: JsonPropertyName("step")] int Step,
    [property: JsonPropertyName("total_steps")] int TotalSteps,
    [property: JsonPropertyName("batch_size")] int BatchSize,
    [property: JsonPropertyName("seed")] long Seed,
    [property: JsonPropertyName("modules")] string Modules,
    [property: JsonPropertyName("last_loss")] double LastLoss)
{
    /// <summary>The run's vision learning-rate scale (1 in checkpoints written before it existed).</summary>
    [JsonPropertyName("vision_lr_scale")]
    public double VisionLearningRateScale { get; init; } = 1.0;

    /// <summary>The training data's description (null in checkpoints written before it was recorded).</summary>
    [JsonPropertyName("data")]
    public string? Data { get; init; }

    /// <summary>The kernels the run computed with (null in checkpoints written before they were recorded).</summary>
    [JsonPropertyName("kernels")]
    public string? Kernels { get; init; }

    /// <summary>
    /// Refuses a resume whose seed, batch size or data would make it train on other examples than the
    /// interrupted run, or whose kernels would round them otherwise: it would still run, and its result would silently match neither run.
    /// </summary>
    public void RequireSameRun(long seed, int batchSize, string data, TrainingKernels kernels)
    {
        if (Kernels is not null && Kernels != kernels.ToString())
            throw new InvalidOperationException($"the checkpoint computed with --kernels {Kernels.ToLowerInvariant()}, this run with {kernels.ToString().ToLowerInvariant()}: resume with the same kernels");
        if (BatchSize != batchSize)
            throw new InvalidOperationException($"the checkpoint used batch size {BatchSize}, this run {batchSize}: resume with the same batch size");
        if (Seed != seed)
            throw new InvalidOperationException($"the checkpoint used --seed {Seed}, this run {seed}: resume with the same seed");
        if (Data is not null && Data != data)
            throw new InvalidOperationException($"the checkpoint trained on [{Data}], this run on [{data}]: resume with the same data options");
    }

    public const string FileName = "trainer_state.json";
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    public void Save(string directory) => File.WriteAllText(Path.Combine(directory, FileName), JsonSerializer.Serialize(this, Options));

    public static TrainerState Load(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"no {FileName} in {directory}: not a resumable checkpoint", path);
        return JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(path), Options)
            ?? throw new InvalidDataException($"{path} is empty");
    }
}
