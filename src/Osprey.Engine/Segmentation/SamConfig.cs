using System.Text.Json;
using System.Text.Json.Nodes;
using Osprey.Engine.Checkpoints;

namespace Osprey.Engine.Segmentation;

/// <summary>
/// A Segment Anything model's shape: the ViT image encoder, the prompt encoder and the two-way mask
/// decoder, with the keys of the reference fixtures' <c>config.json</c>. The published checkpoints
/// carry no config; <see cref="Recognise"/> reads their shape from the tensors instead.
/// </summary>
public sealed record SamConfig
{
    public int ImageSize { get; init; } = 1024;
    public int PatchSize { get; init; } = 16;
    public required int EncoderEmbedDim { get; init; }
    public required int EncoderDepth { get; init; }
    public required int EncoderNumHeads { get; init; }
    public required int[] EncoderGlobalAttnIndexes { get; init; }
    public int WindowSize { get; init; } = 14;
    public int PromptEmbedDim { get; init; } = 256;
    public int MaskInChans { get; init; } = 16;
    public int DecoderDepth { get; init; } = 2;
    public int DecoderMlpDim { get; init; } = 2048;
    public int DecoderNumHeads { get; init; } = 8;
    /// <summary>The cross-attentions of the two-way transformer work at prompt dim / this (2 in every published model).</summary>
    public int AttentionDownsampleRate { get; init; } = 2;
    public int IouHeadDepth { get; init; } = 3;
    public int IouHeadHiddenDim { get; init; } = 256;
    public int NumMultimaskOutputs { get; init; } = 3;
    /// <summary>The encoder's norms (its blocks, the neck) and the channel norms; the two-way transformer's LayerNorms keep PyTorch's 1e-5.</summary>
    public double LayerNormEps { get; init; } = 1e-6;
    public float[] PixelMean { get; init; } = [123.675f, 116.28f, 103.53f];
    public float[] PixelStd { get; init; } = [58.395f, 57.12f, 57.375f];

    /// <summary>Patches per side of the encoder input, and the side of the image embedding.</summary>
    public int EmbeddingSize => ImageSize / PatchSize;

    public static SamConfig VitB => new() { EncoderEmbedDim = 768, EncoderDepth = 12, EncoderNumHeads = 12, EncoderGlobalAttnIndexes = [2, 5, 8, 11] };
    public static SamConfig VitL => new() { EncoderEmbedDim = 1024, EncoderDepth = 24, EncoderNumHeads = 16, EncoderGlobalAttnIndexes = [5, 11, 17, 23] };
    public static SamConfig VitH => new() { EncoderEmbedDim = 1280, EncoderDepth = 32, EncoderNumHeads = 16, EncoderGlobalAttnIndexes = [7, 15, 23, 31] };

    /// <exception cref="CheckpointException"><see cref="CheckpointError.InvalidConfig"/>: not JSON, a key of the wrong type, or an impossible shape.</exception>
    public static SamConfig Parse(string json, string source = "config.json")
    {
        try
        {
            var root = JsonNode.Parse(json) as JsonObject ?? throw new InvalidDataException("not a JSON object");
            var config = new SamConfig
            {
                ImageSize = Int(root, "image_size") ?? 1024,
                PatchSize = Int(root, "patch_size") ?? 16,
                EncoderEmbedDim = Int(root, "encoder_embed_dim") ?? throw new InvalidDataException("encoder_embed_dim is required"),
                EncoderDepth = Int(root, "encoder_depth") ?? throw new InvalidDataException("encoder_depth is required"),
                EncoderNumHeads = Int(root, "encoder_num_heads") ?? throw new InvalidDataException("encoder_num_heads is required"),
                EncoderGlobalAttnIndexes = root["encoder_global_attn_indexes"]?.AsArray().Select(n => n!.GetValue<int>()).ToArray()
                    ?? throw new InvalidDataException("encoder_global_attn_indexes is required"),
                WindowSize = Int(root, "window_size") ?? 14,
                PromptEmbedDim = Int(root, "prompt_embed_dim") ?? 256,
                MaskInChans = Int(root, "mask_in_chans") ?? 16,
                DecoderDepth = Int(root, "decoder_depth") ?? 2,
                DecoderMlpDim = Int(root, "decoder_mlp_dim") ?? 2048,
                DecoderNumHeads = Int(root, "decoder_num_heads") ?? 8,
                AttentionDownsampleRate = Int(root, "attention_downsample_rate") ?? 2,
                IouHeadDepth = Int(root, "iou_head_depth") ?? 3,
                IouHeadHiddenDim = Int(root, "iou_head_hidden_dim") ?? 256,
                NumMultimaskOutputs = Int(root, "num_multimask_outputs") ?? 3,
                LayerNormEps = root["layer_norm_eps"]?.GetValue<double>() ?? 1e-6,
                PixelMean = Floats(root, "pixel_mean") ?? [123.675f, 116.28f, 103.53f],
                PixelStd = Floats(root, "pixel_std") ?? [58.395f, 57.12f, 57.375f],
            };
            config.Validate();
            return config;
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or InvalidOperationException or FormatException)
        {
            throw new CheckpointException(CheckpointError.InvalidConfig, $"{source}: not a Segment Anything config ({e.Message})", e);
        }
    }

    /// <summary>This config in the keys <see cref="Parse"/> reads, for a model directory's <c>config.json</c>.</summary>
    public string ToJson()
    {
        var root = new JsonObject
        {
            ["image_size"] = ImageSize,
            ["patch_size"] = PatchSize,
            ["encoder_embed_dim"] = EncoderEmbedDim,
            ["encoder_depth"] = EncoderDepth,
            ["encoder_num_heads"] = EncoderNumHeads,
            ["encoder_global_attn_indexes"] = new JsonArray([.. EncoderGlobalAttnIndexes.Select(i => (JsonNode)i)]),
            ["window_size"] = WindowSize,
            ["prompt_embed_dim"] = PromptEmbedDim,
            ["mask_in_chans"] = MaskInChans,
            ["decoder_depth"] = DecoderDepth,
            ["decoder_mlp_dim"] = DecoderMlpDim,
            ["decoder_num_heads"] = DecoderNumHeads,
            ["attention_downsample_rate"] = AttentionDownsampleRate,
            ["iou_head_depth"] = IouHeadDepth,
            ["iou_head_hidden_dim"] = IouHeadHiddenDim,
            ["num_multimask_outputs"] = NumMultimaskOutputs,
            ["layer_norm_eps"] = LayerNormEps,
            ["pixel_mean"] = new JsonArray([.. PixelMean.Select(v => (JsonNode)(double)v)]),
            ["pixel_std"] = new JsonArray([.. PixelStd.Select(v => (JsonNode)(double)v)]),
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>
    /// The shape a checkpoint's tensors imply. Shapes give everything but the decoder's head count,
    /// which is taken as the published models' 8, and the encoder's, which follows from the relative
    /// position tables' width (the head dimension).
    /// </summary>
    /// <exception cref="CheckpointException"><see cref="CheckpointError.InvalidConfig"/>: not a Segment Anything state dict.</exception>
    public static SamConfig Recognise(IReadOnlyDictionary<string, WeightInfo> tensors, string source)
    {
        long[] Shape(string name) => tensors.TryGetValue(name, out var info) ? info.Shape
            : throw new CheckpointException(CheckpointError.InvalidConfig,
                $"{source}: no config.json and no tensor '{name}', so it is not a Segment Anything checkpoint (sam_vit_b/l/h layout)");
        int Count(string prefix, string suffix)
        {
            var n = 0;
            while (tensors.ContainsKey($"{prefix}{n}{suffix}")) n++;
            return n;
        }

        var patch = Shape("image_encoder.patch_embed.proj.weight");
        var pos = Shape("image_encoder.pos_embed");
        var embed = (int)patch[0];
        var patchSize = (int)patch[2];
        var gridSize = (int)pos[1];
        var depth = Count("image_encoder.blocks.", ".attn.rel_pos_h");
        if (depth == 0)
            throw new CheckpointException(CheckpointError.InvalidConfig, $"{source}: no image_encoder.blocks.N.attn.rel_pos_h, so the encoder's attention cannot be recognised");
        var headDim = (int)Shape("image_encoder.blocks.0.attn.rel_pos_h")[1];
        var global = new List<int>();
        var window = 0;
        for (var i = 0; i < depth; i++)
        {
            var span = (int)Shape($"image_encoder.blocks.{i}.attn.rel_pos_h")[0];
            if (span == 2 * gridSize - 1) global.Add(i);
            else window = (span + 1) / 2;
        }
        var promptDim = (int)Shape("image_encoder.neck.0.weight")[0];
        var config = new SamConfig
        {
            ImageSize = gridSize * patchSize,
            PatchSize = patchSize,
            EncoderEmbedDim = embed,
            EncoderDepth = depth,
            EncoderNumHeads = embed / headDim,
            EncoderGlobalAttnIndexes = [.. global],
            WindowSize = window == 0 ? 14 : window,
            PromptEmbedDim = promptDim,
            MaskInChans = (int)Shape("prompt_encoder.mask_downscaling.3.weight")[0],
            DecoderDepth = Count("mask_decoder.transformer.layers.", ".norm1.weight"),
            DecoderMlpDim = (int)Shape("mask_decoder.transformer.layers.0.mlp.lin1.weight")[0],
            AttentionDownsampleRate = promptDim / (int)Shape("mask_decoder.transformer.final_attn_token_to_image.q_proj.weight")[0],
            IouHeadDepth = Count("mask_decoder.iou_prediction_head.layers.", ".weight"),
            IouHeadHiddenDim = (int)Shape("mask_decoder.iou_prediction_head.layers.0.weight")[0],
            NumMultimaskOutputs = (int)Shape("mask_decoder.mask_tokens.weight")[0] - 1,
        };
        try
        {
            config.Validate();
        }
        catch (InvalidDataException e)
        {
            throw new CheckpointException(CheckpointError.InvalidConfig, $"{source}: {e.Message}", e);
        }
        return config;
    }

    private void Validate()
    {
        static void Require(bool ok, string message)
        {
            if (!ok) throw new InvalidDataException(message);
        }
        Require(PatchSize > 0 && ImageSize > 0 && ImageSize % PatchSize == 0, $"image_size {ImageSize} must be a positive multiple of patch_size {PatchSize}");
        Require(EncoderDepth > 0 && EncoderEmbedDim > 0 && EncoderNumHeads > 0 && EncoderEmbedDim % EncoderNumHeads == 0,
            $"encoder_embed_dim {EncoderEmbedDim} must split into encoder_num_heads {EncoderNumHeads}");
        Require(EncoderGlobalAttnIndexes.All(i => i >= 0 && i < EncoderDepth), "encoder_global_attn_indexes must name blocks of the encoder");
        Require(WindowSize > 0, "window_size must be positive");
        Require(PromptEmbedDim > 0 && PromptEmbedDim % 8 == 0, $"prompt_embed_dim {PromptEmbedDim} must be a positive multiple of 8");
        Require(MaskInChans >= 4 && MaskInChans % 4 == 0, $"mask_in_chans {MaskInChans} must be a positive multiple of 4");
        Require(DecoderDepth > 0 && DecoderMlpDim > 0, "decoder_depth and decoder_mlp_dim must be positive");
        Require(AttentionDownsampleRate > 0 && PromptEmbedDim % AttentionDownsampleRate == 0, "attention_downsample_rate must divide prompt_embed_dim");
        Require(DecoderNumHeads > 0 && PromptEmbedDim / AttentionDownsampleRate % DecoderNumHeads == 0,
            $"decoder_num_heads {DecoderNumHeads} must divide the decoder's attention width");
        Require(IouHeadDepth > 0 && IouHeadHiddenDim > 0 && NumMultimaskOutputs > 0, "iou head and multimask outputs must be positive");
        Require(PixelMean.Length == 3 && PixelStd.Length == 3 && PixelStd.All(s => s > 0), "pixel_mean and pixel_std must be three values, std positive");
    }

    private static int? Int(JsonObject root, string key) => root[key]?.GetValue<int>();

    private static float[]? Floats(JsonObject root, string key) =>
        root[key]?.AsArray().Select(n => (float)n!.GetValue<double>()).ToArray();
}
