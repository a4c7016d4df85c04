using System.Text.RegularExpressions;
using Osprey.Engine.Multimodal;
using Osprey.Engine.Tokenization;
using static TorchSharp.torch;

namespace Osprey.Training.Training;

/// <summary>
/// The same model with one more decoder layer, inserted at a given depth and initialised so that it
/// changes nothing yet: its attention and MLP outputs start at zero, so the residual stream passes
/// through it unchanged, while its inputs keep a random init so gradients reach them as soon as the
/// outputs move. Training then grows into the new layer from the model's current function instead of
/// from scratch.
/// </summary>
public static partial class ModelDeepening
{
    /// <returns>A new fp32 model; the caller owns it.</returns>
    public static OspreyModel InsertLayer(OspreyModel source, OspreyTokenizer tokenizer, int insertAt, long seed)
    {
        var config = source.Config;
        if (insertAt < 0 || insertAt > config.Language.NumLayers)
            throw new ArgumentOutOfRangeException(nameof(insertAt), insertAt,
                $"the model has {config.Language.NumLayers} decoder layers, so a new one goes at 0..{config.Language.NumLayers}");
        var deeper = config with { Language = config.Language with { NumLayers = config.Language.NumLayers + 1 } };
        var grown = FreshModel.Create(deeper, tokenizer, seed);
        try
        {
            var from = source.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            using var _ = no_grad();
            foreach (var (name, parameter) in grown.named_parameters())
            {
                var match = DecoderLayerParameter().Match(name);
                if (match.Success && int.Parse(match.Groups[2].Value) == insertAt)
                {
                    if (name.EndsWith("o_proj.weight", StringComparison.Ordinal) || name.EndsWith("down_proj.weight", StringComparison.Ordinal))
                        parameter.zero_();
                    continue;
                }
                var sourceName = match.Success
                    ? $"{match.Groups[1].Value}{ShiftBack(int.Parse(match.Groups[2].Value), insertAt)}{match.Groups[3].Value}"
                    : name;
                if (!from.TryGetValue(sourceName, out var value))
                    throw new InvalidDataException($"the source model has no parameter {sourceName} for {name}");
                parameter.copy_(value);
            }
            return grown;
        }
        catch
        {
            grown.Dispose();
            throw;
        }
    }

    private static int ShiftBack(int index, int insertedAt) => index < insertedAt ? index : index - 1;

    [GeneratedRegex(@"^(llm\.model\.layers\.)(\d+)(\..+)$")]
    private static partial Regex DecoderLayerParameter();
}
