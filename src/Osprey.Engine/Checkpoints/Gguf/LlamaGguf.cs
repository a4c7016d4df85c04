using Osprey.Engine.Config;
using Osprey.Engine.Tokenization;
using static TorchSharp.torch;

namespace Osprey.Engine.Checkpoints.Gguf;

/// <summary>
/// A LLaMA language model as a GGUF file llama.cpp loads (architecture "llama", its SentencePiece
/// vocabulary): the language weights of a Hugging Face-named checkpoint under llama.cpp's tensor names,
/// with the Q/K rows permuted the way llama.cpp's converter does, so both compute the same function.
/// </summary>
public static class LlamaGguf
{
    /// <summary>llama.cpp's <c>general.file_type</c> for an all-F32 and a mostly-BF16 file.</summary>
    private const uint FileTypeF32 = 0, FileTypeBF16 = 32;

    /// <summary>convert_hf_to_gguf's score for added and padding tokens.</summary>
    private const float AddedTokenScore = -1000f;

    /// <param name="weights">Hugging Face LLaMA names (<c>model.layers.N.self_attn.q_proj.weight</c>, <c>lm_head.weight</c>, …); other tensors (vision, projector) are ignored.</param>
    /// <param name="vocabulary">The SentencePiece pieces; ids past them up to the model's vocabulary are <paramref name="addedTokens"/> or padding.</param>
    /// <param name="type">F32 or BF16 for the matrices; norm scales stay F32 as llama.cpp's converter keeps them.</param>
    public static void Write(string path, LanguageConfig config, IWeightSource weights, SentencePieceVocabulary vocabulary,
        IReadOnlyDictionary<int, string> addedTokens, GgufTensorType type, string name = "osprey-language")
    {
        if (type is not (GgufTensorType.F32 or GgufTensorType.BF16)) throw new ArgumentOutOfRangeException(nameof(type), type, "F32 or BF16");
        GgufWriter.Write(path, Metadata(config, vocabulary, addedTokens, type, name), Tensors(config, weights, type));
    }

    private static List<KeyValuePair<string, object>> Metadata(LanguageConfig c, SentencePieceVocabulary vocabulary,
        IReadOnlyDictionary<int, string> addedTokens, GgufTensorType type, string name)
    {
        var (tokens, scores, types) = Vocabulary(c.VocabSize, vocabulary, addedTokens);
        return
        [
            new("general.architecture", "llama"),
            new("general.name", name),
            new("general.file_type", type == GgufTensorType.F32 ? FileTypeF32 : FileTypeBF16),
            new("general.alignment", (uint)GgufWriter.Alignment),
            new("llama.vocab_size", (uint)c.VocabSize),
            new("llama.context_length", (uint)c.MaxPositionEmbeddings),
            new("llama.embedding_length", (uint)c.HiddenSize),
            new("llama.block_count", (uint)c.NumLayers),
            new("llama.feed_forward_length", (uint)c.IntermediateSize),
            new("llama.rope.dimension_count", (uint)c.HeadDim),
            new("llama.rope.freq_base", (float)c.RopeTheta),
            new("llama.attention.head_count", (uint)c.NumHeads),
            new("llama.attention.head_count_kv", (uint)c.NumKeyValueHeads),
            new("llama.attention.layer_norm_rms_epsilon", (float)c.RmsNormEps),
            new("tokenizer.ggml.model", "llama"),
            new("tokenizer.ggml.tokens", tokens),
            new("tokenizer.ggml.scores", scores),
            new("tokenizer.ggml.token_type", types),
            new("tokenizer.ggml.bos_token_id", (uint)c.BosTokenId),
            new("tokenizer.ggml.eos_token_id", (uint)c.EosTokenId),
            new("tokenizer.ggml.unknown_token_id", (uint)Math.Max(0, IndexOf(vocabulary.Types, SentencePieceType.Unknown))),
            new("tokenizer.ggml.add_bos_token", true),
            new("tokenizer.ggml.add_eos_token", false),
        ];
    }

    private static int IndexOf(IReadOnlyList<SentencePieceType> types, SentencePieceType wanted)
    {
        for (var i = 0; i < types.Count; i++) if (types[i] == wanted) return i;
        return -1;
    }

    /// <summary>As convert_hf_to_gguf builds a SentencePiece vocabulary: pieces, then added tokens (user-defined), the rest padding (unused).</summary>
    private static (string[] Tokens, float[] Scores, int[] Types) Vocabulary(int size, SentencePieceVocabulary vocabulary, IReadOnlyDictionary<int, string> addedTokens)
    {
        if (vocabulary.Count > size) throw new ArgumentException($"the tokenizer has {vocabulary.Count} pieces, the model's vocabulary {size}", nameof(vocabulary));
        var tokens = new string[size];
        var scores = new float[size];
        var types = new int[size];
        for (var id = 0; id < size; id++)
        {
            if (id < vocabulary.Count)
                (tokens[id], scores[id], types[id]) = (vocabulary.Pieces[id], vocabulary.Scores[id], (int)vocabulary.Types[id]);
            else if (addedTokens.TryGetValue(id, out var added))
                (tokens[id], scores[id], types[id]) = (added, AddedTokenScore, (int)SentencePieceType.UserDefined);
            else
                (tokens[id], scores[id], types[id]) = ($"[PAD{id}]", AddedTokenScore, (int)SentencePieceType.Unused);
        }
        return (tokens, scores, types);
    }

    private static List<GgufTensor> Tensors(LanguageConfig c, IWeightSource weights, GgufTensorType type)
    {
        GgufTensor Matrix(string gguf, string hf, Func<Tensor, Tensor>? transform = null) =>
            new(gguf, Shape(weights, hf), type, () => transform is null ? weights.Read(hf) : transform(weights.Read(hf)));
        GgufTensor Norm(string gguf, string hf) => new(gguf, Shape(weights, hf), GgufTensorType.F32, () => weights.Read(hf));

        var head = c.TieWordEmbeddings ? "model.embed_tokens.weight" : "lm_head.weight";
        List<GgufTensor> tensors = [Matrix("token_embd.weight", "model.embed_tokens.weight")];
        for (var i = 0; i < c.NumLayers; i++)
        {
            var hf = $"model.layers.{i}.";
            var blk = $"blk.{i}.";
            tensors.AddRange(
            [
                Norm(blk + "attn_norm.weight", hf + "input_layernorm.weight"),
                Matrix(blk + "attn_q.weight", hf + "self_attn.q_proj.weight", w => PermuteForInterleavedRope(w, c.NumHeads)),
                Matrix(blk + "attn_k.weight", hf + "self_attn.k_proj.weight", w => PermuteForInterleavedRope(w, c.NumKeyValueHeads)),
                Matrix(blk + "attn_v.weight", hf + "self_attn.v_proj.weight"),
                Matrix(blk + "attn_output.weight", hf + "self_attn.o_proj.weight"),
                Norm(blk + "ffn_norm.weight", hf + "post_attention_layernorm.weight"),
                Matrix(blk + "ffn_gate.weight", hf + "mlp.gate_proj.weight"),
                Matrix(blk + "ffn_up.weight", hf + "mlp.up_proj.weight"),
                Matrix(blk + "ffn_down.weight", hf + "mlp.down_proj.weight"),
            ]);
        }
        tensors.Add(Norm("output_norm.weight", "model.norm.weight"));
        tensors.Add(Matrix("output.weight", head));
        return tensors;
    }

    private static long[] Shape(IWeightSource weights, string name) =>
        weights.Tensors.TryGetValue(name, out var info) ? info.Shape : throw new CheckpointException(CheckpointError.MissingTensors, $"{weights.Description} has no tensor '{name}'");

    /// <summary>
    /// Hugging Face LLaMA rotates the two halves of each head (rotate_half); llama.cpp's "llama" rope
    /// rotates adjacent pairs. Reordering each head's output rows — row j of the first half next to row j
    /// of the second — makes the interleaved rotation compute the same Q·Kᵀ (convert_hf_to_gguf's permute).
    /// </summary>
    public static Tensor PermuteForInterleavedRope(Tensor weight, int heads)
    {
        var rows = weight.shape[0];
        return weight.reshape(heads, 2, rows / heads / 2, weight.shape[1]).transpose(1, 2).reshape(weight.shape);
    }
}
