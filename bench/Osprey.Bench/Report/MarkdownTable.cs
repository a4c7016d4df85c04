using System.Text;

namespace Osprey.Bench.Report;

/// <summary>A GitHub-flavoured markdown table, columns padded so it also reads as plain text.</summary>
public sealed class MarkdownTable(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    public MarkdownTable Row(params string[] cells)
    {
        if (cells.Length != headers.Length) throw new ArgumentException($"expected {headers.Length} cells, got {cells.Length}");
        _rows.Add(cells);
        return this;
    }

    public override string ToString()
    {
        var widths = headers.Select((h, i) => Math.Max(3, _rows.Select(r => r[i].Length).Append(h.Length).Max())).ToArray();
        var text = new StringBuilder();
        void Line(IEnumerable<string> cells) => text.Append("| ").AppendJoin(" | ", cells).AppendLine(" |");
        Line(headers.Select((h, i) => h.PadRight(widths[i])));
        Line(widths.Select(w => new string('-', w)));
        foreach (var row in _rows) Line(row.Select((c, i) => c.PadRight(widths[i])));
        return text.ToString();
    }
}
