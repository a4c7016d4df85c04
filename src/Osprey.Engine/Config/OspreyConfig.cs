using System.Text.Json;
using System.Text.Json.Nodes;

namespace Osprey.Engine.Config;

/// <summary>
/// The model's shape, read from a checkpoint's <c>config.json</c>. Real Osprey-7B configs omit the
/// small-model keys (<c>vision_config</c>, <c>mask_extractor_config</c>); their absence means the
/// published sizes (spec §1, §8).
/// </summary>
public sealed record OspreyConfig
{
    public required LanguageConfig Language { get; init; }
    public required VisionConfig Vision { get; init; }
    public required MaskExtractorConfig MaskExtractor { get; init; }
    /// <summary>Width of res4, the image-token width before the projector.</summary>
    public required int MmHiddenSize { get; init; }
    public int ImageSize { get; init; } = 512;
    public string ProjectorType { get; init; } = "mlp2x_gelu";

    public static OspreyConfig Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"config.json not found: {path}", path);
        return Parse(File.ReadAllText(path));
    }

    public static OspreyConfig Parse(string json)
    {
        var root = JsonNode.Parse(json)?.AsObject() ?? throw new InvalidDataException("config.json is not a JSON object");
        var language = LanguageConfig.FromJson(root);
        var vision = root["vision_config"] is JsonObject v ? VisionConfig.FromJson(v) : VisionConfig.ConvNeXtLarge;
        var mask = root["mask_extractor_config"] is JsonObject m ? MaskExtractorConfig.FromJson(m) : MaskExtractorConfig.Osprey7B;
        var projector = root["mm_projector_type"]?.GetValue<string>() ?? "mlp2x_gelu";
        if (projector != "mlp2x_gelu") throw new NotSupportedException($"mm_projector_type '{projector}' is not supported (Osprey uses mlp2x_gelu)");
        var mmHidden = root["mm_hidden_size"]?.GetValue<int>() ?? vision.Dims[2];
        if (mmHidden != vision.Dims[2]) throw new InvalidDataException($"mm_hidden_size {mmHidden} differs from vision dims[2] {vision.Dims[2]}");
        return new OspreyConfig
        {
            Language = language,
            Vision = vision,
            MaskExtractor = mask,
            MmHiddenSize = mmHidden,
            ImageSize = root["image_size"]?.GetValue<int>() ?? vision.ImageSize,
            ProjectorType = projector,
        };
    }

    /// <summary>The published Osprey-7B shape.</summary>
    public static OspreyConfig Osprey7B => new()
    {
        Language = LanguageConfig.Vicuna7B,
        Vision = VisionConfig.ConvNeXtLarge,
        MaskExtractor = MaskExtractorConfig.Osprey7B,
        MmHiddenSize = 768,
    };

    public string ToJson()
    {
        var o = new JsonObject
        {
            ["architectures"] = new JsonArray("OspreyLlamaForCausalLM"),
            ["model_type"] = "osprey",
            ["mm_projector_type"] = ProjectorType,
            ["mm_hidden_size"] = MmHiddenSize,
            ["mm_use_im_start_end"] = false,
            ["image_size"] = ImageSize,
            ["vision_config"] = Vision.ToJson(),
            ["mask_extractor_config"] = MaskExtractor.ToJson(),
        };
        Language.WriteTo(o);
        return o.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }
}

public sealed record LanguageConfig
{
    public required int HiddenSize { get; init; }
    public required int IntermediateSize { get; init; }
    public required int NumLayers { get; init; }
    public required int NumHeads { get; init; }
    public required int NumKeyValueHeads { get; init; }
    public required int VocabSize { get; init; }
    public double RmsNormEps { get; init; } = 1e-5;
    public double RopeTheta { get; init; } = 10000.0;
    public int MaxPositionEmbeddings { get; init; } = 2048;
    public bool TieWordEmbeddings { get; init; }
    public int BosTokenId { get; init; } = 1;
    public int EosTokenId { get; init; } = 2;
    public int HeadDim => HiddenSize / NumHeads;

    public static LanguageConfig Vicuna7B => new()
    {
        HiddenSize = 4096, IntermediateSize = 11008, NumLayers = 32, NumHeads = 32, NumKeyValueHeads = 32, VocabSize = 32002,
    };

    public static LanguageConfig FromJson(JsonObject root)
    {
        int Req(string key) => root[key]?.GetValue<int>() ?? throw new InvalidDataException($"config.json lacks '{key}'");
        var heads = Req("num_attention_heads");
        var config = new LanguageConfig
        {
            HiddenSize = Req("hidden_size"),
            IntermediateSize = Req("intermediate_size"),
            NumLayers = Req("num_hidden_layers"),
            NumHeads = heads,
            NumKeyValueHeads = root["num_key_value_heads"]?.GetValue<int>() ?? heads,
            VocabSize = Req("vocab_size"),
            RmsNormEps = root["rms_norm_eps"]?.GetValue<double>() ?? 1e-5,
            RopeTheta = root["rope_theta"]?.GetValue<double>() ?? 10000.0,
            MaxPositionEmbeddings = root["max_position_embeddings"]?.GetValue<int>() ?? 2048,
            TieWordEmbeddings = root["tie_word_embeddings"]?.GetValue<bool>() ?? false,
            BosTokenId = root["bos_token_id"]?.GetValue<int>() ?? 1,
            EosTokenId = root["eos_token_id"]?.GetValue<int>() ?? 2,
        };
        if (config.HiddenSize % heads != 0) throw new InvalidDataException("hidden_size must be a multiple of num_attention_heads");
        if (heads % config.NumKeyValueHeads != 0) throw new InvalidDataException("num_attention_heads must be a multiple of num_key_value_heads");
        return config;
    }

    public void WriteTo(JsonObject o)
    {
        o["hidden_size"] = HiddenSize;
        o["intermediate_size"] = IntermediateSize;
        o["num_hidden_layers"] = NumLayers;
        o["num_attention_heads"] = NumHeads;
        o["num_key_value_heads"] = NumKeyValueHeads;
        o["vocab_size"] = VocabSize;
        o["rms_norm_eps"] = RmsNormEps;
        o["rope_theta"] = RopeTheta;
        o["max_position_embeddings"] = MaxPositionEmbeddings;
        o["tie_word_embeddings"] = TieWordEmbeddings;
        o["bos_token_id"] = BosTokenId;
        o["eos_token_id"] = EosTokenId;
        o["hidden_act"] = "silu";
    }
}

public sealed record VisionConfig
{
    public required int[] Dims { get; init; }
    public required int[] Depths { get; init; }
    public double LayerNormEps { get; init; } = 1e-6;
    public int ImageSize { get; init; } = 512;

    public static VisionConfig ConvNeXtLarge => new() { Dims = [192, 384, 768, 1536], Depths = [3, 3, 27, 3] };

    public static VisionConfig FromJson(JsonObject o)
    {
        var dims = o["dims"]?.AsArray().Select(x => x!.GetValue<int>()).ToArray() ?? ConvNeXtLarge.Dims;
        var depths = o["depths"]?.AsArray().Select(x => x!.GetValue<int>()).ToArray() ?? ConvNeXtLarge.Depths;
        if (dims.Length != 4 || depths.Length != 4) throw new InvalidDataException("vision_config dims and depths need four stages");
        return new VisionConfig { Dims = dims, Depths = depths, LayerNormEps = o["layer_norm_eps"]?.GetValue<double>() ?? 1e-6 };
    }

    public JsonObject ToJson() => new()
    {
        ["dims"] = new JsonArray(Dims.Select(d => (JsonNode)d).ToArray()),
        ["depths"] = new JsonArray(Depths.Select(d => (JsonNode)d).ToArray()),
        ["layer_norm_eps"] = LayerNormEps,
    };
}

public sealed record MaskExtractorConfig
{
    public required int EmbedDim { get; init; }
    /// <summary>S: the side of the square the position encoder resizes each mask to.</summary>
    public required int MaskShape { get; init; }

    public static MaskExtractorConfig Osprey7B => new() { EmbedDim = 1024, MaskShape = 112 };

    public static MaskExtractorConfig FromJson(JsonObject o) => new()
    {
        EmbedDim = o["embed_dim"]?.GetValue<int>() ?? 1024,
        MaskShape = o["mask_shape"]?.GetValue<int>() ?? 112,
    };

    public JsonObject ToJson() => new() { ["embed_dim"] = EmbedDim, ["mask_shape"] = MaskShape };
}
