using System.Text.Json;
using Mesh.Cli.Http;
using Spectre.Console;

namespace Mesh.Cli.Output;

/// <summary>Prints API answers: a table for people, or the JSON itself for scripts (<c>--output json</c>).</summary>
internal sealed class Renderer(bool json, IAnsiConsole console)
{
    public bool Json => json;

    /// <summary>One object: field/value rows.</summary>
    public void Object(JsonElement value, string? title = null)
    {
        if (json)
        {
            WriteJson(value);
            return;
        }

        var table = new Table().Border(TableBorder.Rounded).AddColumn("field").AddColumn("value");
        if (title is not null)
        {
            table.Title(Markup.Escape(title));
        }

        foreach (var property in value.EnumerateObject())
        {
            table.AddRow(Markup.Escape(TerminalText.Reveal(property.Name)), Markup.Escape(Format(property.Value)));
        }

        console.Write(table);
    }

    /// <summary>A list of objects with the given columns: JSON paths, optionally <c>path:header</c>.</summary>
    public void List(JsonElement items, params string[] columns)
    {
        if (json)
        {
            WriteJson(items);
            return;
        }

        var table = new Table().Border(TableBorder.Rounded);
        var paths = columns.Select(c => c.Split(':')[0]).ToArray();
        foreach (var column in columns)
        {
            table.AddColumn(column.Contains(':', StringComparison.Ordinal) ? column.Split(':')[1] : column);
        }

        var count = 0;
        foreach (var item in items.EnumerateArray())
        {
            count++;
            table.AddRow([.. paths.Select(c => Markup.Escape(Format(Path(item, c))))]);
        }

        console.Write(table);
        console.MarkupLine($"[grey]{count} item(s)[/]");
    }

    /// <summary>A sentence for people; nothing in JSON mode (the JSON says it).</summary>
    public void Note(string markup)
    {
        if (!json)
        {
            console.MarkupLine(markup);
        }
    }

    // Hidden characters only ever stand inside JSON strings, where their escape means the same: the JSON stays valid.
    private void WriteJson(JsonElement value) => console.Profile.Out.Writer.WriteLine(TerminalText.Reveal(JsonSerializer.Serialize(value, CliJson.Indented)));

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

    private static string Format(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Undefined or JsonValueKind.Null => "",
        JsonValueKind.String => TerminalText.Reveal(value.GetString()),
        JsonValueKind.Array => string.Join(", ", value.EnumerateArray().Select(Format)),
        _ => TerminalText.Reveal(value.GetRawText()),
    };
}
