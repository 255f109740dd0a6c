using System.Text.Json;
using Mesh.Cli.Http;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Mesh.Cli.Output;

/// <summary>
/// Prints API answers: a table for people, or the JSON itself for scripts (<c>--output json</c>: one JSON document per
/// command). Tables take the output's width (<see cref="OutputWidth"/>) and never break a word (<see cref="TableLayout"/>);
/// nested objects are rows of their own (<see cref="JsonFields"/>).
/// </summary>
internal sealed class Renderer(bool json, IAnsiConsole console)
{
    public bool Json => json;

    /// <summary>One object: field/value rows, a nested object's fields as <c>name.field</c> rows.</summary>
    public void Object(JsonElement value, string? title = null)
    {
        if (json)
        {
            WriteJson(value);
            return;
        }

        var rows = new List<string[]>();
        JsonFields.Flatten(null, value, rows);
        Table(["field", "value"], rows, title, fieldPerRow: true);
    }

    /// <summary>A list of objects with the given columns: JSON paths, optionally <c>path:header</c>.</summary>
    public void List(JsonElement items, params string[] columns)
    {
        if (json)
        {
            WriteJson(items);
            return;
        }

        var paths = columns.Select(c => c.Split(':')[0]).ToArray();
        var headers = columns.Select(c => c.Contains(':', StringComparison.Ordinal) ? c[(c.IndexOf(':', StringComparison.Ordinal) + 1)..] : c).ToArray();
        var rows = items.EnumerateArray().Select(item => paths.Select(p => JsonFields.Text(Path(item, p))).ToArray()).ToList();
        Table(headers, rows, title: null, fieldPerRow: false);
        console.MarkupLine($"[grey]{rows.Count} item(s)[/]");
    }

    /// <summary>A sentence for people; nothing in JSON mode (the JSON says it).</summary>
    public void Note(string markup)
    {
        if (!json)
        {
            console.MarkupLine(markup);
        }
    }

    /// <summary>Writes any value as the command's JSON document (for answers the CLI puts together itself).</summary>
    public void WriteJson(object value) => WriteJson(JsonSerializer.SerializeToElement(value, CliJson.Options));

    // Hidden characters only ever stand inside JSON strings, where their escape means the same: the JSON stays valid.
    private void WriteJson(JsonElement value) => console.Profile.Out.Writer.WriteLine(TerminalText.Reveal(JsonSerializer.Serialize(value, CliJson.Indented)));

    private void Table(string[] headers, List<string[]> rows, string? title, bool fieldPerRow)
    {
        var options = new RenderOptions(console.Profile.Capabilities, new Size(OutputWidth.Unbounded, int.MaxValue));
        var natural = new int[headers.Length];
        var minimum = new int[headers.Length];
        for (var i = 0; i < headers.Length; i++)
        {
            natural[i] = minimum[i] = Measure(headers[i], options).Max;
        }

        foreach (var row in rows)
        {
            for (var i = 0; i < headers.Length; i++)
            {
                var measured = Measure(row[i], options);
                natural[i] = Math.Max(natural[i], measured.Max);
                minimum[i] = Math.Max(minimum[i], measured.Min);
            }
        }

        var widths = TableLayout.Fit(natural, minimum, OutputWidth.Of(console), out var fits);
        if (!fits)
        {
            Fields(headers, rows, title, fieldPerRow);
            return;
        }

        var table = new Table().Border(TableBorder.Rounded);
        if (title is not null)
        {
            table.Title(Markup.Escape(title));
        }

        for (var i = 0; i < headers.Length; i++)
        {
            table.AddColumn(new TableColumn(new Text(headers[i])) { Width = widths?[i] });
        }

        foreach (var row in rows)
        {
            table.AddRow(row.Select(cell => (IRenderable)new Text(cell)));
        }

        console.Write(table);
    }

    // Too narrow for a table that keeps every word whole: one "name  value" line per field, never broken by the CLI.
    private void Fields(string[] headers, List<string[]> rows, string? title, bool fieldPerRow)
    {
        var writer = console.Profile.Out.Writer;
        if (title is not null)
        {
            writer.WriteLine(title);
        }

        var names = fieldPerRow ? rows.Select(row => row[0]).ToArray() : headers;
        var pad = names.Length == 0 ? 0 : names.Max(name => name.Length);
        if (fieldPerRow)
        {
            foreach (var row in rows)
            {
                writer.WriteLine(Line(row[0], row[1], pad));
            }

            return;
        }

        for (var r = 0; r < rows.Count; r++)
        {
            if (r > 0)
            {
                writer.WriteLine();
            }

            for (var i = 0; i < headers.Length; i++)
            {
                writer.WriteLine(Line(headers[i], rows[r][i], pad));
            }
        }
    }

    private static string Line(string name, string value, int pad) =>
        name.PadRight(pad) + "  " + value.Replace("\n", "\n" + new string(' ', pad + 2), StringComparison.Ordinal);

    private static Measurement Measure(string text, RenderOptions options) => ((IRenderable)new Text(text)).Measure(options, OutputWidth.Unbounded);

    private static JsonElement Path(JsonElement item, string path)
    {
        var current = item;
        foreach (var part in path.Split('.'))
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(part, out current))
            {
                return default;
            }
        }

        return current;
    }
}
