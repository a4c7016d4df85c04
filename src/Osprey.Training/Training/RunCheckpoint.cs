using Osprey.Engine.Multimodal;
using Osprey.Engine.Tokenization;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Osprey.Training.Training;

/// <summary>
/// A run's checkpoint: <c>OUT/resume</c> (fp32 weights in the published layout, optimizer moments,
/// <see cref="TrainerState"/>, and whatever else the run needs to continue) is written beside the old
/// one and swapped in only once complete, so an interruption never leaves a run without a usable
/// checkpoint; then the model itself is exported to <c>OUT</c>.
/// </summary>
public static class RunCheckpoint
{
    public const string ResumeDirectoryName = "resume";
    public const string OptimizerFileName = "optimizer.bin";

    /// <param name="writeExtra">Writes further files into the resume directory being staged.</param>
    public static void Save(OspreyModel model, string tokenizerPath, OspreyTokenizer tokenizer, OptimizerHelper optimizer,
        TrainerState state, string outDirectory, ScalarType? exportDType, Action<string>? writeExtra = null)
    {
        var resume = Path.Combine(outDirectory, ResumeDirectoryName);
        var staging = resume + ".partial";
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        ModelDirectoryWriter.Write(model, tokenizerPath, tokenizer, staging, dtype: null);
        optimizer.save_state_dict(Path.Combine(staging, OptimizerFileName));
        writeExtra?.Invoke(staging);
        state.Save(staging);
        if (Directory.Exists(resume)) Directory.Delete(resume, recursive: true);
        Directory.Move(staging, resume);

        ModelDirectoryWriter.Write(model, tokenizerPath, tokenizer, outDirectory, exportDType);
        state.Save(outDirectory);
    }
}
