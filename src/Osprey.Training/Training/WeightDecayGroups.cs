using TorchSharp.Modules;

namespace Osprey.Training.Training;

/// <summary>AdamW groups with weight decay on matrices only: norms, biases and gains are not pulled to zero.</summary>
public static class WeightDecayGroups
{
    /// <summary>Two groups, matrices (decayed) first, then the rest.</summary>
    public static (AdamW.ParamGroup Matrices, AdamW.ParamGroup Others) Split(IEnumerable<Parameter> parameters, double weightDecay)
    {
        var all = parameters.ToList();
        return (new AdamW.ParamGroup(all.Where(p => p.dim() >= 2).ToList(), new AdamW.Options { weight_decay = weightDecay }),
                new AdamW.ParamGroup(all.Where(p => p.dim() < 2).ToList(), new AdamW.Options { weight_decay = 0 }));
    }
}
