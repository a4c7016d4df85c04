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
