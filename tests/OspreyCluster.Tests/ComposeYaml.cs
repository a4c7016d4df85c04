namespace OspreyCluster.Tests;

/// <summary>
/// The block-style YAML `docker-compose config` prints, read into dotted paths: scalars
/// (<c>services.gateway.environment.Osprey__Redis</c>) and lists (<c>services.redis.volumes</c>).
/// Only that printer's output: no flow style, anchors or multi-line strings.
/// </summary>
public sealed class ComposeYaml
{
    public Dictionary<string, string> Values { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, List<string>> Lists { get; } = new(StringComparer.Ordinal);
    private readonly HashSet<string> _paths = new(StringComparer.Ordinal);

    public IEnumerable<string> Children(string path) =>
        _paths.Where(p => p.StartsWith(path + ".", StringComparison.Ordinal) && !p[(path.Length + 1)..].Contains('.'))
            .Select(p => p[(path.Length + 1)..]);

    public static ComposeYaml Parse(string text)
    {
        var yaml = new ComposeYaml();
        var open = new Stack<(int Indent, string Path)>();
        foreach (var raw in text.Split('\n'))
        {
            if (raw.Trim().Length == 0) continue;
            var indent = raw.Length - raw.TrimStart(' ').Length;
            var line = raw.Trim();
            if (line.StartsWith("- ", StringComparison.Ordinal))
            {
                // The printer writes a list at its key's own indentation.
                while (open.Count > 0 && open.Peek().Indent > indent) open.Pop();
                var owner = open.Peek().Path;
                if (!yaml.Lists.TryGetValue(owner, out var items)) yaml.Lists[owner] = items = [];
                items.Add(Unquote(line[2..].Trim()));
                continue;
            }
            while (open.Count > 0 && open.Peek().Indent >= indent) open.Pop();
            var colon = line.IndexOf(": ", StringComparison.Ordinal);
            var key = Unquote(colon < 0 ? line.TrimEnd(':') : line[..colon]);
            var path = open.Count == 0 ? key : $"{open.Peek().Path}.{key}";
            yaml._paths.Add(path);
            if (colon < 0) open.Push((indent, path));
            else yaml.Values[path] = Unquote(line[(colon + 2)..].Trim());
        }
        return yaml;
    }

    private static string Unquote(string value) =>
        value.Length >= 2 && (value[0] == '\'' && value[^1] == '\'' || value[0] == '"' && value[^1] == '"') ? value[1..^1] : value;
}
