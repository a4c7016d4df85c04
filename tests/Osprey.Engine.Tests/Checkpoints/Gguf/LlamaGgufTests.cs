using Osprey.Engine.Checkpoints.Gguf;
using Osprey.Engine.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Checkpoints.Gguf;

public sealed class LlamaGgufTests : IClassFixture<LlamaGgufTests.Checkpoint>
{
    public sealed class Checkpoint : IDisposable
    {
        public TinyLlamaCheckpoint Tiny { get; } = new();
        public string F32 { get; }
        public string BF16 { get; }

        public Checkpoint()
        {
            F32 = Tiny.WriteGguf(GgufTensorType.F32);
            BF16 = Tiny.WriteGguf(GgufTensorType.BF16);
        }

        public void Dispose() => Tiny.Dispose();
    }

    private readonly Checkpoint _checkpoint;

    public LlamaGgufTests(Checkpoint checkpoint) => _checkpoint = checkpoint;

    private Tensor Parameter(string name) => _checkpoint.Tiny.Model.named_parameters().Single(p => p.name == name).parameter;

    [Fact]
    public void Header_and_llama_metadata_parse_back()
    {
        var file = GgufFile.Read(_checkpoint.F32);
        var c = TinyLlamaCheckpoint.Config;
        Assert.Equal(3u, file.Version);
        Assert.Equal("llama", file.Metadata["general.architecture"]);
        Assert.Equal(0u, file.Metadata["general.file_type"]);
        Assert.Equal((uint)c.HiddenSize, file.Metadata["llama.embedding_length"]);
        Assert.Equal((uint)c.NumLayers, file.Metadata["llama.block_count"]);
        Assert.Equal((uint)c.IntermediateSize, file.Metadata["llama.feed_forward_length"]);
        Assert.Equal((uint)c.NumHeads, file.Metadata["llama.attention.head_count"]);
        Assert.Equal((uint)c.NumKeyValueHeads, file.Metadata["llama.attention.head_count_kv"]);
        Assert.Equal((uint)c.HeadDim, file.Metadata["llama.rope.dimension_count"]);
        Assert.Equal((uint)c.MaxPositionEmbeddings, file.Metadata["llama.context_length"]);
        Assert.Equal((float)c.RmsNormEps, file.Metadata["llama.attention.layer_norm_rms_epsilon"]);
        Assert.Equal((float)c.RopeTheta, file.Metadata["llama.rope.freq_base"]);
        Assert.Equal(32u, GgufFile.Read(_checkpoint.BF16).Metadata["general.file_type"]);
    }

    [Fact]
    public void Vocabulary_is_the_sentencepiece_pieces_then_the_two_added_tokens()
    {
        var file = GgufFile.Read(_checkpoint.F32);
        var tokens = (object[])file.Metadata["tokenizer.ggml.tokens"];
        var scores = (object[])file.Metadata["tokenizer.ggml.scores"];
        var types = (object[])file.Metadata["tokenizer.ggml.token_type"];
        var tokenizer = OspreyTokenizer.Load(FixturePaths.OspreyTiny);
        Assert.Equal("llama", file.Metadata["tokenizer.ggml.model"]);
        Assert.Equal(32002, tokens.Length);
        Assert.Equal(32002, scores.Length);
        Assert.Equal(32002, types.Length);
        for (var id = 0; id < 32000; id++) Assert.Equal(tokenizer.IdToPiece(id), tokens[id]);
        Assert.Equal("<mask>", tokens[32000]);
        Assert.Equal("<pos>", tokens[32001]);
        Assert.Equal((int)SentencePieceType.UserDefined, types[32000]);
        Assert.Equal((int)SentencePieceType.Unknown, types[0]);
        Assert.Equal((int)SentencePieceType.Control, types[1]);
        Assert.Equal((int)SentencePieceType.Byte, types[Array.IndexOf(tokens, "<0x0A>")]);
        Assert.Equal((int)SentencePieceType.Normal, types[Array.IndexOf(tokens, "▁the")]);
        // SentencePiece scores rank merges: distinct and negative for ordinary pieces.
        Assert.True((float)scores[Array.IndexOf(tokens, "▁the")] < 0);
        Assert.Equal(1u, file.Metadata["tokenizer.ggml.bos_token_id"]);
        Assert.Equal(2u, file.Metadata["tokenizer.ggml.eos_token_id"]);
        Assert.Equal(0u, file.Metadata["tokenizer.ggml.unknown_token_id"]);
    }

    [Theory]
    [InlineData(GgufTensorType.F32)]
    [InlineData(GgufTensorType.BF16)]
    public void Tensors_carry_llama_cpp_names_reversed_dims_and_aligned_offsets(GgufTensorType type)
    {
        var file = GgufFile.Read(type == GgufTensorType.F32 ? _checkpoint.F32 : _checkpoint.BF16);
        var c = TinyLlamaCheckpoint.Config;
        Assert.Equal(0, file.DataStart % GgufWriter.Alignment);
        string[] perLayer = ["attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm", "ffn_gate", "ffn_up", "ffn_down"];
        var expected = new[] { "token_embd.weight" }
            .Concat(Enumerable.Range(0, c.NumLayers).SelectMany(i => perLayer.Select(n => $"blk.{i}.{n}.weight")))
            .Concat(["output_norm.weight", "output.weight"]);
        Assert.Equal(expected, file.Tensors.Select(t => t.Name));

        var end = 0UL;
        foreach (var t in file.Tensors)
        {
            Assert.Equal(0UL, t.Offset % GgufWriter.Alignment);
            Assert.True(t.Offset >= end, $"{t.Name} overlaps the tensor before it");
            end = t.Offset + t.Dims.Aggregate(1UL, (a, b) => a * b) * (t.Type == GgufTensorType.F32 ? 4UL : 2UL);
            Assert.Equal(t.Name.EndsWith("norm.weight") ? GgufTensorType.F32 : type, t.Type);
        }
        Assert.True(file.DataStart + (long)end <= new FileInfo(file.Path).Length);

        var embd = file.Tensors.Single(t => t.Name == "token_embd.weight");
        Assert.Equal(new ulong[] { (ulong)c.HiddenSize, (ulong)c.VocabSize }, embd.Dims);
        var down = file.Tensors.Single(t => t.Name == "blk.1.ffn_down.weight");
        Assert.Equal(new ulong[] { (ulong)c.IntermediateSize, (ulong)c.HiddenSize }, down.Dims);
        var k = file.Tensors.Single(t => t.Name == "blk.0.attn_k.weight");
        Assert.Equal(new ulong[] { (ulong)c.HiddenSize, (ulong)(c.NumKeyValueHeads * c.HeadDim) }, k.Dims);
    }

    [Theory]
    [InlineData(GgufTensorType.F32)]
    [InlineData(GgufTensorType.BF16)]
    public void Data_is_the_weights_with_q_and_k_rows_permuted(GgufTensorType type)
    {
        var file = GgufFile.Read(type == GgufTensorType.F32 ? _checkpoint.F32 : _checkpoint.BF16);
        var stored = type == GgufTensorType.F32 ? ScalarType.Float32 : ScalarType.BFloat16;
        var c = TinyLlamaCheckpoint.Config;
        void AssertData(string gguf, Tensor expected)
        {
            using var scope = torch.NewDisposeScope();
            var info = file.Tensors.Single(t => t.Name == gguf);
            var want = expected.to_type(info.Type == GgufTensorType.F32 ? ScalarType.Float32 : stored).contiguous().bytes.ToArray();
            Assert.True(want.AsSpan().SequenceEqual(file.Data(info)), $"{gguf}: data differ");
        }
        AssertData("token_embd.weight", Parameter("model.embed_tokens.weight"));
        AssertData("output.weight", Parameter("lm_head.weight"));
        AssertData("blk.1.ffn_gate.weight", Parameter("model.layers.1.mlp.gate_proj.weight"));
        AssertData("blk.1.attn_norm.weight", Parameter("model.layers.1.input_layernorm.weight"));
        AssertData("blk.0.attn_v.weight", Parameter("model.layers.0.self_attn.v_proj.weight"));

        // Head h's row j of the first half lands at 2j, of the second half at 2j + 1 (convert_hf_to_gguf's permute).
        using var scope = torch.NewDisposeScope();
        var k = Parameter("model.layers.0.self_attn.k_proj.weight");
        var half = c.HeadDim / 2;
        var rows = new long[k.shape[0]];
        for (var h = 0; h < c.NumKeyValueHeads; h++)
            for (var j = 0; j < half; j++)
            {
                rows[h * c.HeadDim + 2 * j] = h * c.HeadDim + j;
                rows[h * c.HeadDim + 2 * j + 1] = h * c.HeadDim + half + j;
            }
        AssertData("blk.0.attn_k.weight", k.index_select(0, torch.tensor(rows)));
        Assert.True(LlamaGguf.PermuteForInterleavedRope(Parameter("model.layers.1.self_attn.q_proj.weight"), c.NumHeads).shape
            .SequenceEqual(new long[] { c.HiddenSize, c.HiddenSize }));
    }

    [Fact]
    public void Sentencepiece_vocabulary_matches_the_tokenizer_and_refuses_other_files()
    {
        var vocabulary = SentencePieceVocabulary.Read(FixturePaths.TokenizerModel);
        var tokenizer = OspreyTokenizer.Load(FixturePaths.OspreyTiny);
        Assert.Equal(32000, vocabulary.Count);
        Assert.Equal(Enumerable.Range(0, 32000).Select(tokenizer.IdToPiece), vocabulary.Pieces);
        Assert.Throws<TokenizerLoadException>(() => SentencePieceVocabulary.Read(FixturePaths.File("osprey-tiny", "config.json")));
    }
}
