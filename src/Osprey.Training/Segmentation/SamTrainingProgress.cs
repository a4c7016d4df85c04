namespace Osprey.Training.Segmentation;

/// <summary>Running means since the last report: the loss, and the IoU of the single-mask output with the visible mask for object clicks and boxes.</summary>
public sealed record SamTrainingProgress(int Step, int Steps, double LearningRate, double Loss, double ClickIou, double BoxIou, TimeSpan Elapsed);
