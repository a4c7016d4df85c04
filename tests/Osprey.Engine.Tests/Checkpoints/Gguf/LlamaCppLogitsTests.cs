using Osprey.Engine.Checkpoints.Gguf;
using Osprey.Engine.Language;
using Osprey.Engine.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Checkpoints.Gguf;

/// <summary>
/// llama.cpp (node-llama-cpp's prebuilt CPU build) runs the GGUF file and predicts the same next tokens
/// with the same probabilities as the engine runs the checkpoint it was written from: the tensor names,
/// shapes, the Q/K permutation and the metadata map right.
/// </summary>
public sealed class LlamaCppLogitsTests
{
    [RequiresLlamaCppFact]
    public void Llama_cpp_next_token_probabilities_match_the_engine_on_a_tiny_random_model()
    {
        using var checkpoint = new TinyLlamaCheckpoint();
        var gguf = checkpoint.WriteGguf(GgufTensorType.F32);
        var tokenizer = OspreyTokenizer.Load(FixturePaths.OspreyTiny);
        // Text, then the two added tokens, so their embeddings and the vocabulary's tail are exercised too.
        var ids = tokenizer.Encode("A chat between a curious human and an artificial intelligence assistant. region1")
            .Concat([tokenizer.MaskId, tokenizer.PosId, 29889]).ToArray();

        const int top = 5;
        var result = LlamaCppScript.Run("--mode", "logits", "--model", gguf, "--tokens", string.Join(",", ids), "--top", top.ToString());
        var positions = result.GetProperty("positions").EnumerateArray().ToList();
        Assert.Equal(ids.Length, positions.Count);

        using var inference = torch.inference_mode();
        using var scope = torch.NewDisposeScope();
        var model = checkpoint.Model;
        using var cache = model.NewCache();
        var logits = model.Forward([new SequenceChunk(model.EmbedTokens(torch.tensor(ids.Select(i => (long)i).ToArray())), cache)], allPositions: true);
        var probabilities = logits.to_type(ScalarType.Float64).softmax(-1);
        Assert.Equal(ids.Length, (int)probabilities.shape[0]);

        var worst = 0.0;
        var peaked = 0;
        for (var p = 0; p < ids.Length; p++)
        {
            var llama = positions[p].EnumerateArray().Select(e => (Token: e[0].GetInt32(), Probability: e[1].GetDouble())).ToList();
            Assert.Equal(top, llama.Count);
            var engineTop = probabilities[p].argmax().item<long>();
            Assert.True(llama[0].Token == engineTop, $"position {p}: llama.cpp's most likely token {llama[0].Token}, the engine's {engineTop}");
            foreach (var (token, probability) in llama)
                worst = Math.Max(worst, Math.Abs(probabilities[p, token].item<double>() - probability));
            if (llama[0].Probability > 0.2) peaked++;
        }
        // Both in fp32 (the script asks llama.cpp for an F32 K/V cache and no flash attention, which
        // would round Q/K/V to fp16): only the order of summation differs.
        Assert.True(worst < 1e-4, $"largest probability difference {worst}");
        // The distributions are not near-uniform: a wrong mapping could not agree by chance.
        Assert.True(peaked >= ids.Length / 2, $"only {peaked} of {ids.Length} positions have a clearly most likely token (largest probability difference {worst})");
    }
}
