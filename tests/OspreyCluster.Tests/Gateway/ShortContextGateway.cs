namespace OspreyCluster.Tests.Gateway;

/// <summary>
/// The embedded host serving osprey-tiny with its context cut to 1,200 positions: its 1,024 image tokens
/// leave room for the introduction of a few regions only, so the limit on regions is reachable.
/// </summary>
public sealed class ShortContextGateway() : EmbeddedGateway(ShortContextModel())
{
    public const int ContextLength = 1200;

    private static string ShortContextModel()
    {
        var directory = Directory.CreateTempSubdirectory("osprey-short-context-").FullName;
        foreach (var file in new[] { "added_tokens.json", "special_tokens_map.json", "tokenizer.model", "model.safetensors" })
            File.Copy(Path.Combine(FixturePaths.OspreyTiny, file), Path.Combine(directory, file));
        var config = File.ReadAllText(Path.Combine(FixturePaths.OspreyTiny, "config.json"));
        Assert.Contains("\"max_position_embeddings\": 2048", config);
        File.WriteAllText(Path.Combine(directory, "config.json"), config.Replace("\"max_position_embeddings\": 2048", $"\"max_position_embeddings\": {ContextLength}"));
        return directory;
    }
}
